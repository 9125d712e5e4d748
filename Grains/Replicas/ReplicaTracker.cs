using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// What the replica manager knows beyond the ring: each replica's health, its place in the order of addition, and the
/// names an admin change or a replacement is working on (busy: the health round and the reconciler leave them alone).
/// </summary>
internal sealed class ReplicaTracker(TimeProvider time)
{
    private const int MaxReleasesKept = 1024;
    private readonly Dictionary<string, ReplicaHealthState> _health = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _ordinals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _releasedAt = new(StringComparer.Ordinal);
    private long _nextOrdinal = 1;
    private long _releases;

    public HashSet<string> Busy { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Runtime ids of removed replicas still running for the requests in flight on them (<see cref="ReplicaDrainer"/>):
    /// the reconciler does not take them for strays. By runtime id, so that the name can be added again meanwhile.
    /// </summary>
    public HashSet<string> Draining { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Where the manager's history of releases stands now; a round takes it before it reads the ring.</summary>
    public long Mark => _releases;

    /// <summary>A change or a replacement is done with these names: the ring holds its outcome.</summary>
    public void Release(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            Busy.Remove(name);
            _releasedAt[name] = ++_releases;
        }

        if (_releasedAt.Count > MaxReleasesKept)
        {
            // A round holds its mark for seconds: releases this far back concern none.
            foreach (var old in _releasedAt.Where(p => p.Value <= _releases - MaxReleasesKept).Select(p => p.Key).ToList())
            {
                _releasedAt.Remove(old);
            }
        }
    }

    /// <summary>
    /// The names a round that read the ring after <paramref name="mark"/> leaves alone: busy now, or released since. A
    /// replacement that finished while the round waited for the ring has a newer record than the one the round read;
    /// acting on the old one would replace the replica a second time, or write its old address back.
    /// </summary>
    public IReadOnlySet<string> Unsettled(long mark)
    {
        var names = new HashSet<string>(Busy, StringComparer.Ordinal);
        names.UnionWith(_releasedAt.Where(p => p.Value > mark).Select(p => p.Key));
        return names;
    }

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
