using System.Diagnostics;
using System.Globalization;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// Asks a replica process to stop as <c>kill -TERM</c> does, and waits for it to exit: an ASP.NET Core replica stops
/// taking connections, finishes the requests it holds and exits (its host's shutdown timeout allowing); or kills it.
/// </summary>
internal static class ProcessTermination
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Sends SIGTERM to <paramref name="pid"/> and waits up to <paramref name="grace"/>; true when it has exited.</summary>
    public static async Task<bool> TerminateAsync(int pid, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (HasExited(pid))
        {
            return true;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            if (kill is null)
            {
                return false;
            }

            await kill.WaitForExitAsync(cancellationToken);
        }

        var clock = Stopwatch.StartNew();
        while (!HasExited(pid))
        {
            if (clock.Elapsed >= grace)
            {
                return false;
            }

            await Task.Delay(Poll, cancellationToken);
        }

        return true;
    }

    /// <summary>Kills <paramref name="process"/> and its children at once; one already gone is left be.</summary>
    public static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Gone, or a zombie waiting to be reaped (its state in <c>/proc/pid/stat</c> is Z or X).</summary>
    private static bool HasExited(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat.LastIndexOf(')') is var end and > 0 && end + 2 < stat.Length ? stat[end + 2] : 'X';
            return state is 'Z' or 'X';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }
}
