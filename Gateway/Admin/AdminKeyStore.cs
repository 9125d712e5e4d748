using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// The admin key in force (<c>Admin:ApiKey</c>), which a reload rotates: from the moment it applies, the new key is
/// accepted and the old one refused. A reload that would leave a listener beyond loopback without a key (protected
/// mode, as at start-up) is refused, and the running key stays.
/// </summary>
internal sealed class AdminKeyStore(AdminAccess access) : ILiveSettings
{
    private const string ApiKey = $"{AdminOptions.Section}:{nameof(AdminOptions.ApiKey)}";

    private readonly AdminAccess _access = access;
    private Current _current = new(access.Key);

    /// <summary>The key requests must carry, or null when none is set.</summary>
    public AdminKey? Key => Volatile.Read(ref _current).Key;

    public LiveSettingsReading Read(IConfiguration configuration)
    {
        string? apiKey;
        try
        {
            apiKey = _access.ApiKeyIn(configuration);
        }
        catch (InvalidConfigurationException ex)
        {
            return LiveSettingsReading.Failed(ex.Message.Replace("Invalid configuration: ", "", StringComparison.Ordinal));
        }

        var running = Volatile.Read(ref _current);
        var next = AdminKey.From(apiKey);
        if (running.Key is null ? next is null : next is not null && running.Key.SameAs(next))
        {
            return new LiveSettingsReading([], [], () => { });
        }

        // Names only: the key is a secret.
        var change = (running.Key, next) switch
        {
            (null, _) => $"{ApiKey}: set",
            (_, null) => $"{ApiKey}: removed",
            _ => $"{ApiKey}: changed",
        };
        return new LiveSettingsReading([], [change], () => Volatile.Write(ref _current, new Current(next)));
    }

    private sealed record Current(AdminKey? Key);
}
