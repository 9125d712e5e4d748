using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;
using Orleans.Runtime;
using Orleans.Utilities;

namespace Orleans.LoadBalancer.Grains.Ring;

public sealed class RingGrain : Grain, IRingGrain
{
    public const string StorageName = "ring";

    // Gateways renew well within this; a subscription that is not renewed lapses.
    private static readonly TimeSpan ObserverExpiry = TimeSpan.FromMinutes(1);

    private readonly IPersistentState<RingGrainState> _state;
    private readonly RoutingSettings _configured;
    private readonly ILogger<RingGrain> _logger;
    private readonly ObserverManager<IRingObserver> _observers;
    private RoutingSnapshot _snapshot = RoutingSnapshot.Empty;

    public RingGrain(
        [PersistentState("ring", StorageName)] IPersistentState<RingGrainState> state,
        IOptions<RoutingSettings> settings,
        ILogger<RingGrain> logger)
    {
        _state = state;
        _configured = settings.Value;
        _logger = logger;
        _observers = new ObserverManager<IRingObserver>(ObserverExpiry, logger);
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_state.State.RingId == Guid.Empty)
        {
            // Persisted with the first change; until then nothing but an empty ring has been published.
            _state.State.RingId = Guid.NewGuid();
        }

        var table = _state.State.Table;
        if (table is null)
        {
            table = RoutingTable.Create(_configured);
            _snapshot = Build(_state.State.Version, table, _state.State.Replicas);
            _state.State.Table = table;
            _state.State.Configured = _configured;
            return;
        }

        // A ring stored before the configured settings were kept: take its table's settings as the configured ones.
        _state.State.Configured ??= table.Settings;
        if (_state.State.Configured != _configured)
        {
            // Configuration names another algorithm or parameters: rebuild with the same members, as one version step.
            _logger.LogWarning(
                "Configured routing settings changed from {OldSettings} to {NewSettings}; rebuilding the table for {Count} replicas",
                _state.State.Configured, _configured, table.Members.Count);
            var rebuilt = RoutingTable.Create(_configured).Add(table.Members);
            _state.State.Configured = _configured;
            await CommitAsync(rebuilt, _state.State.Replicas);
            return;
        }

        _snapshot = Build(_state.State.Version, table, _state.State.Replicas);
        _logger.LogInformation("Ring activated at version {Version} with {Count} replicas", _snapshot.Version, _snapshot.Count);
    }

    public Task<RoutingSnapshot> GetSnapshot() => Task.FromResult(_snapshot);

    public Task<RoutingSnapshot?> GetSnapshotIfNewer(Guid ringId, long version) => Task.FromResult(IfNewer(ringId, version));

    public Task<RoutingSnapshot?> Subscribe(IRingObserver observer, Guid ringId, long version)
    {
        _observers.Subscribe(observer, observer);
        return Task.FromResult(IfNewer(ringId, version));
    }

    public Task Unsubscribe(IRingObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task<RouteTarget> GetTarget(string key)
    {
        var snapshot = _snapshot;
        var index = snapshot.Route(snapshot.Hash(key));
        return Task.FromResult(index < 0
            ? new RouteTarget(key, null, null, snapshot.Version)
            : new RouteTarget(key, snapshot.Replicas[index].Name, snapshot.Replicas[index].Address, snapshot.Version));
    }

    public Task<RingState> GetState()
    {
        var snapshot = _snapshot;
        var replicas = new List<RingReplicaState>(snapshot.Count);
        for (var i = 0; i < snapshot.Count; i++)
        {
            var record = _state.State.Replicas[i];
            replicas.Add(new RingReplicaState(record.Name, record.Address, record.RuntimeId, record.IsUp, snapshot.Share(i)));
        }

        return Task.FromResult(new RingState(snapshot.Version, snapshot.Settings.Algorithm, replicas, RuntimeIdentity));
    }

    public async Task<RoutingSnapshot> AddReplicas(IReadOnlyList<ReplicaRecord> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var table = CurrentTable.Add(replicas.Select(r => r.Name).ToList());
        var records = _state.State.Replicas.Concat(replicas).ToList();
        await CommitAsync(table, records);
        _logger.LogInformation("Added {Replicas} at version {Version}", replicas.Select(r => r.Name), _snapshot.Version);
        return _snapshot;
    }

    public async Task<RoutingSnapshot> RemoveReplicas(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var table = CurrentTable.Remove(names);
        var removed = names.ToHashSet(StringComparer.Ordinal);
        var records = _state.State.Replicas.Where(r => !removed.Contains(r.Name)).ToList();
        await CommitAsync(table, records);
        _logger.LogInformation("Removed {Replicas} at version {Version}", names, _snapshot.Version);
        return _snapshot;
    }

    public async Task<RoutingSnapshot> UpdateReplicas(IReadOnlyList<ReplicaRecord> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var updates = new Dictionary<string, ReplicaRecord>(StringComparer.Ordinal);
        foreach (var replica in replicas)
        {
            if (!updates.TryAdd(replica.Name, replica))
            {
                throw new ArgumentException($"Replica '{replica.Name}' is given more than once.", nameof(replicas));
            }

            if (!_state.State.Replicas.Exists(r => r.Name == replica.Name))
            {
                throw new ArgumentException($"Replica '{replica.Name}' does not exist.", nameof(replicas));
            }
        }

        var records = _state.State.Replicas.Select(r => updates.GetValueOrDefault(r.Name, r)).ToList();
        if (records.SequenceEqual(_state.State.Replicas))
        {
            return _snapshot;
        }

        await CommitAsync(CurrentTable, records);
        return _snapshot;
    }

    public async Task<RoutingSnapshot> ChangeSettings(RoutingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings == CurrentTable.Settings)
        {
            return _snapshot;
        }

        var table = RoutingTable.Create(settings).Add(CurrentTable.Members);
        await CommitAsync(table, _state.State.Replicas);
        _logger.LogInformation("Routing settings changed to {Settings} at version {Version}", settings, _snapshot.Version);
        return _snapshot;
    }

    private RoutingSnapshot? IfNewer(Guid ringId, long version) => _snapshot.Supersedes(ringId, version) ? _snapshot : null;

    private RoutingTable CurrentTable => _state.State.Table ?? throw new InvalidOperationException("The ring has no table.");

    private RoutingSnapshot Build(long version, RoutingTable table, IReadOnlyList<ReplicaRecord> records) =>
        RoutingSnapshot.Create(version, table, records.Select(r => new RoutedReplica(r.Name, r.Address, r.IsUp)).ToList())
            with { RingId = _state.State.RingId };

    /// <summary>Builds the next version, persists it, and only then publishes and announces it.</summary>
    private async Task CommitAsync(RoutingTable table, List<ReplicaRecord> records)
    {
        var version = _state.State.Version + 1;
        var snapshot = Build(version, table, records);

        var previous = (_state.State.Version, _state.State.Table, _state.State.Replicas);
        _state.State.Version = version;
        _state.State.Table = table;
        _state.State.Replicas = records;
        try
        {
            await _state.WriteStateAsync();
        }
        catch
        {
            (_state.State.Version, _state.State.Table, _state.State.Replicas) = previous;
            throw;
        }

        _snapshot = snapshot;
        _observers.ClearExpired();
        await _observers.Notify(o => o.OnSnapshot(snapshot));
    }
}
