using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// What the replica manager knows beyond the ring: each replica's health, its place in the order of addition, and the
/// names an admin change or a replacement is working on (busy: the health round and the reconciler leave them alone).
/// </summary>
internal sealed class ReplicaTracker(TimeProvider time)
{
    private readonly Dictionary<string, ReplicaHealthState> _health = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _ordinals = new(StringComparer.Ordinal);
    private long _nextOrdinal = 1;

    public HashSet<string> Busy { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Runtime ids of removed replicas still running for the requests in flight on them (<see cref="ReplicaDrainer"/>):
    /// the reconciler does not take them for strays. By runtime id, so that the name can be added again meanwhile.
    /// </summary>
    public HashSet<string> Draining { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset Now => time.GetUtcNow();

    public ReplicaHealthState HealthOf(string name) => _health.GetValueOrDefault(name) ?? ReplicaHealthState.Started(Now);

    public bool Knows(string name, out ReplicaHealthState health) => _health.TryGetValue(name, out health!);

    public void Set(string name, ReplicaHealthState health) => _health[name] = health;

    /// <summary>The lifecycle state <c>/replicas</c> shows: what the health loop found, else what the ring says.</summary>
    public ReplicaHealth StateOf(ReplicaRecord replica) =>
        _health.TryGetValue(replica.Name, out var health) ? health.Health : replica.IsUp ? ReplicaHealth.Healthy : ReplicaHealth.Dead;

    public int RestartsOf(string name) => _health.GetValueOrDefault(name)?.Restarts ?? 0;

    /// <summary>The replica's place in the order of addition: known from the runtime or an earlier start, else the next one.</summary>
    public long OrdinalOf(string name) => _ordinals.TryGetValue(name, out var ordinal) ? ordinal : _ordinals[name] = _nextOrdinal++;

    public long NextOrdinal() => _nextOrdinal++;

    /// <summary>Takes the ordinals the runtime keeps with its replicas (after a restart, the only record of them).</summary>
    public void Learn(IEnumerable<ReplicaInstance> running)
    {
        foreach (var instance in running.Where(i => i.Ordinal > 0))
        {
            _ordinals.TryAdd(instance.Name, instance.Ordinal);
            _nextOrdinal = Math.Max(_nextOrdinal, instance.Ordinal + 1);
        }
    }

    /// <summary>A replica that answers its heartbeat under <paramref name="name"/> now.</summary>
    public void Started(string name, ReplicaHealthState health, long ordinal)
    {
        _health[name] = health;
        if (ordinal > 0)
        {
            _ordinals[name] = ordinal;
        }
    }

    public void Forget(string name)
    {
        _health.Remove(name);
        _ordinals.Remove(name);
    }
}
