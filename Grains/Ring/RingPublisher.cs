using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;
using Orleans.Utilities;

namespace Orleans.LoadBalancer.Grains.Ring;

/// <summary>
/// What the RingGrain has published (the ring, and the snapshot the gateways route with) and the gateways that follow
/// it. A gateway that holds the previous version gets what changed; the others fetch the whole snapshot by version.
/// </summary>
internal sealed class RingPublisher(ILogger logger)
{
    // Gateways renew well within this; a subscription that is not renewed lapses.
    private static readonly TimeSpan ObserverExpiry = TimeSpan.FromMinutes(1);

    private readonly ObserverManager<IRingObserver> _observers = new(ObserverExpiry, logger);

    /// <summary>The ring as published. Never changed once published: a change publishes a new one.</summary>
    public RingGrainState Ring { get; private set; } = new();

    /// <summary>The snapshot of <see cref="Ring"/>.</summary>
    public RoutingSnapshot Snapshot { get; private set; } = RoutingSnapshot.Empty;

    /// <summary>Takes <paramref name="ring"/> as published without telling the gateways (an activation: they ask for it).</summary>
    public void Start(RingGrainState ring) => (Ring, Snapshot) = (ring, Build(ring));

    public void Subscribe(IRingObserver observer) => _observers.Subscribe(observer, observer);

    public void Unsubscribe(IRingObserver observer) => _observers.Unsubscribe(observer);

    /// <summary>The snapshot when it should replace the holder's (see <see cref="RoutingSnapshot.Supersedes(Guid, long, long)"/>), else null.</summary>
    public RoutingSnapshot? IfNewer(Guid ringId, long epoch, long version) => Snapshot.Supersedes(ringId, epoch, version) ? Snapshot : null;

    /// <summary>Publishes <paramref name="ring"/>: builds its snapshot and sends it, or what changed, to the gateways.</summary>
    public async Task PublishAsync(RingGrainState ring)
    {
        // A health or address change keeps the table: the snapshot keeps it too, which costs O(N) instead of O(M).
        var previous = Snapshot;
        var snapshot = ReferenceEquals(ring.Table, Ring.Table) && ring.RingId == previous.RingId && ring.Epoch == previous.Epoch
            && ring.Replicas.Select(r => r.Name).SequenceEqual(previous.Replicas.Select(r => r.Name), StringComparer.Ordinal)
            ? previous.WithRecords(ring.Version, Routed(ring))
            : Build(ring);
        (Ring, Snapshot) = (ring, snapshot);
        _observers.ClearExpired();

        if (snapshot.DeltaFrom(previous) is { } delta)
        {
            await _observers.Notify(o => o.OnDelta(delta));
        }
        else
        {
            await _observers.Notify(o => o.OnSnapshot(snapshot));
        }
    }

    private static RoutingSnapshot Build(RingGrainState ring) =>
        RoutingSnapshot.Create(ring.Version, ring.CurrentTable, Routed(ring)) with { RingId = ring.RingId, Epoch = ring.Epoch };

    private static List<RoutedReplica> Routed(RingGrainState ring) =>
        ring.Replicas.Select(r => new RoutedReplica(r.Name, r.Address, r.IsUp, r.Weight, r.Draining, Protocol: r.Protocol)).ToList();
}
