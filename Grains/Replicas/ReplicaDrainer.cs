using Microsoft.Extensions.Logging;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// Keeps removed replicas running until the requests in flight on them have finished. Every gateway reports to the
/// manager about once a second (more often while something drains) that it is alive and which draining replicas it
/// holds nothing on any more (<see cref="Report"/>); a replica is stopped once every gateway heard from in the last
/// <see cref="GatewayExpiry"/> has reported it idle, or after <see cref="ReplicaOptions.DrainTimeout"/>, whichever
/// comes first. A gateway that died stops being waited for once its reports stop. The reconciler leaves a draining
/// process alone (<see cref="ReplicaTracker.Draining"/>, by runtime id); its name may be added again meanwhile.
/// </summary>
internal sealed class ReplicaDrainer(ReplicaLauncher launcher, ReplicaTracker tracker, ReplicaOptions options, ILogger logger)
{
    /// <summary>A gateway not heard from for this long is taken as gone (it reports every second, or every 250 ms while something drains).</summary>
    public static readonly TimeSpan GatewayExpiry = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ForgetGateway = TimeSpan.FromMinutes(5);

    /// <summary>By runtime id.</summary>
    private readonly Dictionary<string, Drain> _drains = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _gateways = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _since = tracker.Now;

    /// <summary>Starts draining a replica that has just left the ring; it is stopped in the background.</summary>
    public void Start(ReplicaInstance instance)
    {
        tracker.Draining.Add(instance.RuntimeId);
        var drain = new Drain(instance, tracker.Now);
        _drains[instance.RuntimeId] = drain;
        _ = RunAsync(drain);
    }

    /// <summary>A gateway is alive and holds nothing on <paramref name="idle"/>; answers the names still draining.</summary>
    public IReadOnlyList<string> Report(string gateway, IReadOnlyList<string> idle)
    {
        var now = tracker.Now;
        _gateways[gateway] = now;
        var idleNames = idle.ToHashSet(StringComparer.Ordinal);
        foreach (var drain in _drains.Values.Where(d => idleNames.Contains(d.Instance.Name)))
        {
            drain.Idle.Add(gateway);
        }

        foreach (var gone in _gateways.Where(g => now - g.Value > ForgetGateway).Select(g => g.Key).ToList())
        {
            _gateways.Remove(gone);
        }

        return [.. _drains.Values.Select(d => d.Instance.Name).Distinct(StringComparer.Ordinal)];
    }

    private async Task RunAsync(Drain drain)
    {
        var name = drain.Instance.Name;
        try
        {
            while (true)
            {
                var now = tracker.Now;
                var waiting = Waiting(drain, now);
                if (waiting.Count == 0)
                {
                    logger.LogInformation("Replica {Replica} is drained: no gateway has requests in flight on it ({Elapsed:0} ms); stopping it",
                        name, (now - drain.Started).TotalMilliseconds);
                    break;
                }

                if (now - drain.Started >= options.DrainTimeout)
                {
                    logger.LogWarning("Replica {Replica} still drains on gateways {Gateways} after {Timeout}; stopping it", name, waiting, options.DrainTimeout);
                    break;
                }

                await Task.Delay(Poll);
            }

            await launcher.StopGracefullyAsync(drain.Instance);
        }
        finally
        {
            _drains.Remove(drain.Instance.RuntimeId);
            tracker.Draining.Remove(drain.Instance.RuntimeId);
        }
    }

    /// <summary>The gateways still to report the replica idle (any, while the manager has not yet heard from every gateway since it activated).</summary>
    private List<string> Waiting(Drain drain, DateTimeOffset now)
    {
        var waiting = _gateways.Where(g => now - g.Value <= GatewayExpiry && !drain.Idle.Contains(g.Key)).Select(g => g.Key).ToList();
        if (waiting.Count == 0 && now - _since < GatewayExpiry)
        {
            waiting.Add("(not yet heard from since the manager activated)");
        }

        return waiting;
    }

    private sealed record Drain(ReplicaInstance Instance, DateTimeOffset Started)
    {
        public HashSet<string> Idle { get; } = new(StringComparer.Ordinal);
    }
}
