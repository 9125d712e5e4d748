using System.Diagnostics;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// A replacement starts while the machine is busy serving the load it was missing; a higher priority for its first
/// seconds gets it serving sooner. Needs the right to raise priority (root or CAP_SYS_NICE); otherwise a no-op.
/// </summary>
internal static class StartBoost
{
    /// <summary>Raises <paramref name="process"/>'s priority for <paramref name="period"/> (<see cref="ProcessReplicaOptions.StartBoost"/>).</summary>
    public static void Apply(Process process, TimeSpan period)
    {
        if (period <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            process.PriorityClass = ProcessPriorityClass.High;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return;
        }

        _ = Task.Delay(period).ContinueWith(
            _ =>
            {
                try
                {
                    process.PriorityClass = ProcessPriorityClass.Normal;
                }
                catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
                {
                    // Gone meanwhile.
                }
            },
            TaskScheduler.Default);
    }
}
