using System.Diagnostics;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// Ends whatever a test's cluster still runs once the test is over. Replicas run detached: they outlive a silo killed
/// with SIGKILL by design, and the runtime's registry (a pid file per replica) does not name them all: not one started
/// as its silo died, before its file was written, nor one registered in another state directory, nor one whose silo
/// ran in a script or another namespace. So each process is found by the cluster id in its environment: replicas and
/// spares carry <c>ORLEANS_LB_CLUSTER</c>, silos and gateways <c>Cluster__ClusterId</c>.
/// </summary>
public static class ClusterProcesses
{
    /// <summary>Kills (SIGKILL) every live process of <paramref name="clusterId"/> and removes its default replica registry.</summary>
    public static void EndAll(string clusterId)
    {
        var pids = ClusterInspection.RuntimeProcesses(clusterId).Concat(RunScript.Programs(clusterId, "Orleans.LoadBalancer.")).Distinct();
        foreach (var pid in pids)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already.
            }
        }

        var registry = Path.Combine(Path.GetTempPath(), "orleans-lb", "replicas", clusterId);
        try
        {
            Directory.Delete(registry, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
