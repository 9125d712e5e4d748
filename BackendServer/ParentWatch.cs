using System.Diagnostics;
using System.Globalization;

namespace Orleans.LoadBalancer.BackendServer;

/// <summary>
/// With <c>EXIT_WITH_PID</c> set, the replica stops when that process is gone, so a replica never outlives the
/// process that started it, even when that one was killed.
/// </summary>
internal static class ParentWatch
{
    public static void Start(IHostApplicationLifetime lifetime)
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("EXIT_WITH_PID"), CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            while (!lifetime.ApplicationStopping.IsCancellationRequested)
            {
                if (!IsAlive(pid))
                {
                    lifetime.StopApplication();
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        });
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
