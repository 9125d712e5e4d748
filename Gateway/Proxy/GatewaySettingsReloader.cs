using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Proxy;

/// <summary>
/// Applies changed gateway settings without a restart: whenever the configuration is read again (a file changed, or
/// <c>SIGHUP</c>), the gateway and routing sections are bound and validated by the same rules as at start-up, and a
/// new <see cref="GatewaySettings"/> replaces the running one in one step, with the other live settings
/// (<see cref="ILiveSettings"/>: the admin key). A reading that fails validation (or a file
/// that cannot be parsed) changes nothing and is logged with its reason; a changed setting that only takes effect at
/// start-up is logged as needing a restart.
/// </summary>
/// <remarks>
/// It listens to the configuration's reload token and creates the options with <see cref="IOptionsFactory{TOptions}"/>
/// rather than following <see cref="IOptionsMonitor{TOptions}.OnChange"/>: the monitor reports nothing when a reload
/// fails validation (it throws inside the configuration's change callback, where the failure is lost) and then throws
/// on every read until the configuration is valid again; and it would raise one change per options class, where the
/// gateway and routing sections must change together or not at all.
/// </remarks>
internal sealed class GatewaySettingsReloader(
    IConfiguration configuration,
    IOptionsFactory<GatewayOptions> gatewayOptions,
    IOptionsFactory<BalancingOptions> balancingOptions,
    GatewaySettingsFactory factory,
    GatewaySettingsStore store,
    IEnumerable<ILiveSettings> liveSettings,
    ILogger<GatewaySettingsReloader> logger) : IHostedService, IDisposable
{
    /// <summary>One reload raises the configuration's token once per file and once more at the end: read after the burst.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);

    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, string> _unreadable = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _subscriptions = [];
    private Dictionary<string, string> _started = [];
    private string _needsRestart = "";
    private int _scheduled;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started = RestartOnlyValues();
        WatchFileFailures();
        _subscriptions.Add(ChangeToken.OnChange(configuration.GetReloadToken, Schedule));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        _subscriptions.Clear();
    }

    private void Schedule()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            _ = ReloadSoonAsync();
        }
    }

    private async Task ReloadSoonAsync()
    {
        await Task.Delay(Settle);
        Volatile.Write(ref _scheduled, 0);
        try
        {
            Reload();
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not apply the reloaded settings; the running ones stay");
        }
    }

    private void Reload()
    {
        lock (_lock)
        {
            ReportRestartOnly();
            if (!_unreadable.IsEmpty)
            {
                logger.LogWarning("Reloaded settings rejected, the running ones stay: {Problems}", string.Join("; ", _unreadable.Values));
                return;
            }

            var failures = new List<string>();
            var gateway = Create(gatewayOptions, failures);
            var balancing = Create(balancingOptions, failures);
            var others = liveSettings.Select(s => s.Read(configuration)).ToList();
            failures.AddRange(others.SelectMany(o => o.Problems));
            if (gateway is null || balancing is null || failures.Count > 0)
            {
                logger.LogWarning("Reloaded settings rejected, the running ones stay: {Problems}", string.Join("; ", failures));
                return;
            }

            var next = factory.Create(gateway, balancing);
            var changes = ReloadableSettings.Changes(store.Current.Values, next.Values);
            if (changes.Count > 0)
            {
                store.Replace(next);
            }

            foreach (var other in others)
            {
                other.Apply();
            }

            var all = changes.Concat(others.SelectMany(o => o.Changes)).ToList();
            if (all.Count > 0)
            {
                logger.LogInformation("Reloaded settings applied: {Changes}", string.Join("; ", all));
            }
        }
    }

    private static T? Create<T>(IOptionsFactory<T> options, List<string> failures)
        where T : class
    {
        try
        {
            return options.Create(Options.DefaultName);
        }
        catch (OptionsValidationException ex)
        {
            failures.AddRange(ex.Failures);
        }
        catch (InvalidOperationException ex) when (SettingsErrors.IsBindingFailure(ex))
        {
            failures.Add(ex.Message);
        }

        return null;
    }

    /// <summary>
    /// A file that fails to parse on reload leaves its provider empty without raising a change; taking the next change
    /// (another file, SIGHUP) as it then reads would drop every setting that file holds. So until it reads again, no
    /// reload is applied.
    /// </summary>
    private void WatchFileFailures()
    {
        foreach (var provider in (configuration as IConfigurationRoot)?.Providers.OfType<FileConfigurationProvider>() ?? [])
        {
            var path = provider.Source.Path ?? provider.ToString();
            provider.Source.OnLoadException = failure =>
            {
                var reason = Reason(failure.Exception);
                _unreadable[path] = $"{path} could not be read: {reason}";
                logger.LogWarning("Could not read {File}, the running settings stay: {Reason}", path, reason);
            };
            _subscriptions.Add(ChangeToken.OnChange(provider.GetReloadToken, () => _unreadable.TryRemove(path, out _)));
        }
    }

    /// <summary>"Failed to load configuration from file '…'. Could not parse the JSON file. '…' is invalid after …".</summary>
    private static string Reason(Exception exception)
    {
        var reasons = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            reasons.Add(current.Message);
        }

        return string.Join(" ", reasons);
    }

    private void ReportRestartOnly()
    {
        var now = RestartOnlyValues();
        var changed = string.Join(", ", _started.Keys.Union(now.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(k => !string.Equals(_started.GetValueOrDefault(k), now.GetValueOrDefault(k), StringComparison.Ordinal))
            .Order(StringComparer.OrdinalIgnoreCase));
        if (changed != _needsRestart)
        {
            _needsRestart = changed;
            if (changed.Length > 0)
            {
                // Names only: a value may be a secret (a Redis password in Cluster:RedisConnectionString).
                logger.LogWarning("Changed settings that are read only at start-up, so the gateway needs a restart to use them: {Keys}", changed);
            }
        }
    }

    private Dictionary<string, string> RestartOnlyValues() => ReloadableSettings.ReadSections
        .SelectMany(section => configuration.GetSection(section).AsEnumerable())
        .Where(setting => setting.Value is not null && !ReloadableSettings.IsLive(setting.Key))
        .ToDictionary(setting => setting.Key, setting => setting.Value!, StringComparer.OrdinalIgnoreCase);
}
