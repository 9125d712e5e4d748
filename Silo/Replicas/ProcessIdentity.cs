using System.Diagnostics;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// Which program a process id belongs to now, from <c>/proc/&lt;pid&gt;/cmdline</c>: an id in a registry file may have
/// been reused by another program since, which must never be adopted or killed.
/// </summary>
internal static class ProcessIdentity
{
    /// <summary>The process is alive and is the replica registered (not another process that reused its id).</summary>
    public static bool IsReplica(int pid, string address)
    {
        if (address.Length == 0)
        {
            return false;
        }

        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(address, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The process is alive and is a silo.</summary>
    public static bool IsSilo(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("Orleans.LoadBalancer.Silo", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static Process? TryGetProcess(int pid)
    {
        try
        {
            return Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
