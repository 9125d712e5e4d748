namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>
/// Settings beyond the proxy's that a reload applies without a restart (the admin key): read and checked together with
/// the proxy's, and applied with them or not at all.
/// </summary>
internal interface ILiveSettings
{
    /// <summary>Reads them from <paramref name="configuration"/> as it is now: what is wrong, or what changed and how to apply it.</summary>
    LiveSettingsReading Read(IConfiguration configuration);
}

/// <param name="Problems">Each wrong setting, naming its key; when any, nothing is applied.</param>
/// <param name="Changes">"key: what changed", for the log; never a secret's value.</param>
/// <param name="Apply">Switches to the settings read.</param>
internal sealed record LiveSettingsReading(IReadOnlyList<string> Problems, IReadOnlyList<string> Changes, Action Apply)
{
    public static LiveSettingsReading Failed(string problem) => new([problem], [], () => { });
}
