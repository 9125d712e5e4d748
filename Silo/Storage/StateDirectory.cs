using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Silo.Storage;

/// <summary>Where the embedded default keeps grain state (<c>Cluster:StateDirectory</c>) and the start-up check of what it holds.</summary>
internal static class StateDirectory
{
    /// <summary>
    /// The default: systemd's <c>$STATE_DIRECTORY</c> (a unit with <c>StateDirectory=orleans-lb</c>) when set, else
    /// <c>$XDG_STATE_HOME/orleans-lb</c>, else <c>~/.local/state/orleans-lb</c>, else <c>$TMPDIR/orleans-lb/state</c>
    /// for a user without a home. Not the temporary directory by default: state there would not survive a reboot.
    /// </summary>
    public static string Default()
    {
        if (Environment.GetEnvironmentVariable("STATE_DIRECTORY") is { Length: > 0 } systemd)
        {
            // systemd passes a colon-separated list when a unit names several; the first is this service's.
            return systemd.Split(':')[0];
        }

        if (Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg)
        {
            return Path.Combine(xdg, "orleans-lb");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return home.Length > 0 ? Path.Combine(home, ".local", "state", "orleans-lb") : Path.Combine(Path.GetTempPath(), "orleans-lb", "state");
    }

    /// <summary>One folder per service id: clusters of other services on the machine never read each other's state.</summary>
    public static string ForService(string configured, string serviceId) =>
        Path.Combine(Path.GetFullPath(configured.Length > 0 ? configured : Default()), serviceId);

    /// <summary>
    /// Refuses to start on a state file that cannot be read. Starting without it would rebuild the ring from the running
    /// replicas and silently drop the operator's weights, drains, external replicas and algorithm, and the first write
    /// would then overwrite the only copy of them; an operator would rather be told, and choose.
    /// </summary>
    /// <exception cref="InvalidConfigurationException">A state file is unreadable; the message names it and the way out.</exception>
    public static void ThrowIfAnyUnreadable(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*" + StateFile.Extension))
        {
            try
            {
                StateFile.Check(file);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw new InvalidConfigurationException(
                    $"{ex.Message} The silo does not start rather than lose the operator's state (weights, drains, external " +
                    $"replicas, algorithm). Restore the file from a backup, or move it aside to start with a ring rebuilt from " +
                    $"the running replicas (Cluster:StateDirectory is '{Path.GetDirectoryName(file)}').", ex);
            }
        }
    }
}
