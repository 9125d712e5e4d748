using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;
using Orleans.Runtime;

namespace Orleans.LoadBalancer.Grains.Ring;

/// <summary>
/// Reentrant so that reads and health changes never wait behind storage: a table change (add, remove, settings) is
/// stored before it is published; a health change (address, up/down) is published at once and stored as soon as
/// storage answers (<see cref="RingWriteBehind"/>), since the runtime can always tell it again.
/// </summary>
[Reentrant]
public sealed class RingGrain : Grain, IRingGrain, IRampTarget
{
    public const string StorageName = "ring";

    private readonly RingStore _store;
    private readonly RingPublisher _publisher;
    private readonly RingWriteBehind _writeBehind;
    private readonly RoutingSettings _configured;
    private readonly ILogger<RingGrain> _logger;
    private readonly SemaphoreSlim _tableChanges = new(1, 1);
    private readonly SlowStart _slowStart;

    public RingGrain(
        [PersistentState("ring", StorageName)] IPersistentState<RingGrainState> state,
        IOptions<RoutingSettings> settings,
        IOptions<ReplicaOptions> replicas,
        TimeProvider time,
        ILogger<RingGrain> logger)
    {
        _store = new RingStore(state, logger);
        _publisher = new RingPublisher(logger);
        _writeBehind = new RingWriteBehind(_store, _publisher, DeactivateOnIdle, logger);
        _slowStart = new SlowStart(new SlowStartRamp(replicas.Value.SlowStart), time, this, logger);
        _configured = settings.Value;
        _logger = logger;
    }

    RingGrainState IRampTarget.Ring => CurrentRing;

    /// <summary>The ring as published.</summary>
    private RingGrainState CurrentRing => _publisher.Ring;

    private RoutingSnapshot CurrentSnapshot => _publisher.Snapshot;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var loaded = _store.Loaded;
        var ring = loaded.Next(loaded.Version, loaded.Table ?? RoutingTable.Create(_configured), loaded.Replicas);
        ring.RingId = loaded.RingId == Guid.Empty ? Guid.NewGuid() : loaded.RingId;
        ring.Epoch = loaded.Epoch + 1;

        // A ring stored before the configured settings were kept: take its table's settings as the configured ones.
        ring.Configured = loaded.Configured ?? loaded.Table?.Settings ?? _configured;
        if (ring.Configured != _configured)
        {
            // Configuration names another algorithm or parameters: rebuild with the same members, as one version step.
            _logger.LogWarning(
                "Configured routing settings changed from {OldSettings} to {NewSettings}; rebuilding the table for {Count} replicas",
                ring.Configured, _configured, ring.CurrentTable.Members.Count);
            ring = ring.Next(ring.Version + 1, RingTables.Rebuilt(_configured, ring.CurrentTable, _logger), ring.Replicas);
            ring.Configured = _configured;
        }

        if (!ReferenceEquals(await _store.WriteAsync(ring), ring))
        {
            throw new InvalidOperationException("The ring changed in storage while it was activating.");
        }

        _publisher.Start(ring);
        _logger.LogInformation("Ring activated at version {Version} (epoch {Epoch}) with {Count} replicas", ring.Version, ring.Epoch, ring.Replicas.Count);

        // Ramps an earlier activation left unfinished resume where their weight is.
        _slowStart.Resume(ring);
        this.RegisterGrainTimer(_writeBehind.RestoreIfLostAsync, new GrainTimerCreationOptions(RingWriteBehind.LossCheck, RingWriteBehind.LossCheck) { Interleave = true });
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _slowStart.Stop();
        await _writeBehind.FlushAsync();
    }

    public Task<RoutingSnapshot> GetSnapshot() => Task.FromResult(CurrentSnapshot);

    public Task<RoutingSnapshot?> GetSnapshotIfNewer(Guid ringId, long epoch, long version) => Task.FromResult(_publisher.IfNewer(ringId, epoch, version));

    public Task<RoutingSnapshot?> Subscribe(IRingObserver observer, Guid ringId, long epoch, long version)
    {
        _publisher.Subscribe(observer);
        return Task.FromResult(_publisher.IfNewer(ringId, epoch, version));
    }

    public Task Unsubscribe(IRingObserver observer)
    {
        _publisher.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task<RouteTarget> GetTarget(string key)
    {
        var snapshot = CurrentSnapshot;
        var index = snapshot.Route(snapshot.Hash(key));
        return Task.FromResult(index < 0
            ? new RouteTarget(key, null, null, snapshot.Version)
            : new RouteTarget(key, snapshot.Replicas[index].Name, snapshot.Replicas[index].Address, snapshot.Version));
    }

    public Task<RingState> GetState()
    {
        var (ring, snapshot) = (CurrentRing, CurrentSnapshot);
        var shares = ring.Replicas.Select((_, i) => snapshot.Share(i)).ToList();
        return Task.FromResult(new RingState(snapshot.Version, snapshot.Settings.Algorithm, ring.Replicas.ToList(), RuntimeIdentity, shares));
    }

    public async Task<RoutingSnapshot> AddReplicas(IReadOnlyList<ReplicaRecord> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var ramping = false;
        var snapshot = await ChangeTableAsync("Added", replicas.Select(r => r.Name), ring =>
        {
            // Slow start protects newcomers only where others already take the traffic.
            ramping = _slowStart.Applies(ring) && ring.Replicas.Exists(r => r.IsUp);
            var weights = replicas.Select(r => ramping ? _slowStart.Ramp.StartWeight(Weight(r)) : RoutingTable.TableWeight(Weight(r), r.Name)).ToList();
            return (ring.CurrentTable.Add(replicas.Select(r => r.Name).ToList(), weights), ring.Replicas.Concat(replicas).ToList());
        });

        if (ramping)
        {
            _slowStart.Start(replicas.Select(r => r.Name));
        }

        return snapshot;
    }

    public async Task<RoutingSnapshot> RemoveReplicas(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var removed = names.ToHashSet(StringComparer.Ordinal);
        var snapshot = await ChangeTableAsync("Removed", names, ring =>
            (ring.CurrentTable.Remove(names), ring.Replicas.Where(r => !removed.Contains(r.Name)).ToList()));
        _slowStart.End(names);
        return snapshot;
    }

    public async Task<RoutingSnapshot> ReplaceReplica(string name, ReplicaRecord replacement)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(replacement);
        var ramping = false;
        var snapshot = await ChangeTableAsync("Replaced", [name, replacement.Name], ring =>
        {
            ramping = _slowStart.Applies(ring);
            var weight = ramping ? _slowStart.Ramp.StartWeight(Weight(replacement)) : RoutingTable.TableWeight(Weight(replacement), replacement.Name);
            return (ring.CurrentTable.Remove([name]).Add([replacement.Name], [weight]), ring.Replicas.Where(r => r.Name != name).Append(replacement).ToList());
        });

        _slowStart.End([name]);
        if (ramping)
        {
            _slowStart.Start([replacement.Name]);
        }

        return snapshot;
    }

    public Task<RoutingSnapshot> SetDraining(string name, bool draining)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ChangeTableAsync(draining ? "Draining" : "Undrained", [name], ring =>
            ring.Replicas.Exists(r => r.Name == name)
                ? (ring.CurrentTable, ring.Replicas.Select(r => r.Name == name ? r with { Draining = draining } : r).ToList())
                : throw new ArgumentException($"Replica '{name}' does not exist.", nameof(name)));
    }

    public async Task<RoutingSnapshot> ChangeSettings(RoutingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return (await ChangeSettings(new RoutingSettingsChange(settings.Algorithm, settings.SlotCount, settings.PointsPerReplica, settings.MaglevTableSize), null)).Snapshot;
    }

    public async Task<RingChangeResult> ChangeSettings(RoutingSettingsChange change, IReadOnlyList<long>? ifVersions)
    {
        ArgumentNullException.ThrowIfNull(change);
        var (failed, changed) = (false, new List<string>());
        var snapshot = await ChangeTableAsync("Changed settings for", changed, ring =>
        {
            var settings = change.ApplyTo(ring.CurrentTable.Settings);
            failed = ifVersions is not null && !ifVersions.Contains(ring.Version);
            if (failed || settings == ring.CurrentTable.Settings)
            {
                return (ring.CurrentTable, ring.Replicas);
            }

            settings.Validate();
            changed.Add(settings.ToString());
            return (RoutingTable.Create(settings).Add(ring.CurrentTable.Members, ring.CurrentTable.MemberWeights), ring.Replicas);
        });
        return new RingChangeResult(snapshot, failed);
    }

    public async Task<RoutingSnapshot> ChangeWeights(IReadOnlyDictionary<string, int> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        foreach (var (name, weight) in weights)
        {
            RoutingTable.TableWeight(weight, name);
        }

        return await ChangeTableAsync("Changed the weights of", weights.Keys, ring =>
        {
            var missing = weights.Keys.FirstOrDefault(n => !ring.Replicas.Exists(r => r.Name == n));
            if (missing is not null)
            {
                throw new ArgumentException($"Replica '{missing}' does not exist", nameof(weights));
            }

            var table = ring.CurrentTable.ChangeWeights([.. weights.Select(w => KeyValuePair.Create(w.Key, RoutingTable.TableWeight(w.Value, w.Key)))]);

            // An operator's weight ends a ramp: the replica has its whole new weight now. Ended here, under the table
            // changes' lock, so that no step of the ramp can come after this change.
            _slowStart.End(weights.Keys);
            return (table, ring.Replicas.Select(r => weights.TryGetValue(r.Name, out var weight) ? r with { Weight = weight } : r).ToList());
        });
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

            if (!CurrentRing.Replicas.Exists(r => r.Name == replica.Name))
            {
                throw new ArgumentException($"Replica '{replica.Name}' does not exist.", nameof(replicas));
            }
        }

        var records = Updated(CurrentRing.Replicas, updates);
        if (_slowStart.Applies(CurrentRing) && _slowStart.Recovered(CurrentRing.Replicas, records) is { Count: > 0 } recovered)
        {
            try
            {
                return await RecoverSlowlyAsync(updates, recovered);
            }
            catch (Exception ex) when (ex is not ArgumentException)
            {
                _logger.LogWarning(ex, "Could not start slow start for recovered replicas {Replicas}; they take their whole weight at once", recovered);
                records = Updated(CurrentRing.Replicas, updates);
            }
        }

        if (!records.SequenceEqual(CurrentRing.Replicas))
        {
            await _publisher.PublishAsync(CurrentRing.Next(CurrentRing.Version + 1, CurrentRing.CurrentTable, records));
            _writeBehind.StoreLater();
        }

        return CurrentSnapshot;
    }

    /// <summary>Advances the ramps that are due: one table change, one version step.</summary>
    Task IRampTarget.ChangeTableWeightsAsync(Func<RingGrainState, List<KeyValuePair<string, int>>> due)
    {
        var stepped = new List<string>();
        return ChangeTableAsync("Slow start stepped", stepped, ring =>
        {
            var changes = due(ring);
            stepped.AddRange(changes.Select(c => $"{c.Key} to table weight {c.Value}"));
            return (ring.CurrentTable.ChangeWeights(changes), ring.Replicas);
        });
    }

    /// <summary>Marks recovered replicas up with a tenth of their weight, as one table change; they ramp from there.</summary>
    private async Task<RoutingSnapshot> RecoverSlowlyAsync(Dictionary<string, ReplicaRecord> updates, IReadOnlyList<string> recovered)
    {
        var snapshot = await ChangeTableAsync("Recovered (slow start)", recovered, ring =>
        {
            var records = Updated(ring.Replicas, updates);
            var start = recovered.Where(n => records.Exists(r => r.Name == n))
                .Select(n => KeyValuePair.Create(n, _slowStart.Ramp.StartWeight(records.Find(r => r.Name == n)!.Weight))).ToList();
            return (ring.CurrentTable.ChangeWeights(start), records);
        });

        _slowStart.Start(recovered);
        return snapshot;
    }

    /// <summary>The runtime's updates (health, address); the operator's fields (weight, draining) are not its to change.</summary>
    private static List<ReplicaRecord> Updated(List<ReplicaRecord> replicas, Dictionary<string, ReplicaRecord> updates) =>
        replicas.Select(r => updates.TryGetValue(r.Name, out var update) ? update with { Weight = r.Weight, Draining = r.Draining } : r).ToList();

    private static int Weight(ReplicaRecord record) => RoutingTable.TableWeight(record.Weight, record.Name) / RoutingTable.WeightScale;

    /// <summary>
    /// Stores a table change, then publishes it. Health changes published while the write was under way are kept: they
    /// are applied again on top, as a later version, and stored after it.
    /// </summary>
    private async Task<RoutingSnapshot> ChangeTableAsync(
        string what, IEnumerable<string> names, Func<RingGrainState, (RoutingTable Table, List<ReplicaRecord> Replicas)> change)
    {
        await _tableChanges.WaitAsync();
        try
        {
            var basis = CurrentRing;
            var (table, records) = change(basis);
            if (ReferenceEquals(table, basis.CurrentTable) && records.SequenceEqual(basis.Replicas))
            {
                return CurrentSnapshot;
            }

            var next = basis.Next(basis.Version + 1, table, records);
            var stored = await _store.WriteAsync(next);
            if (!ReferenceEquals(stored, next))
            {
                await _publisher.PublishAsync(stored.Next(Math.Max(stored.Version, CurrentRing.Version) + 1, stored.CurrentTable, stored.Replicas));
                _writeBehind.StoreLater();
                throw new InvalidOperationException("The stored ring holds a change this request did not expect; nothing of this request was applied. Retry it.");
            }

            if (!ReferenceEquals(CurrentRing, basis))
            {
                var current = CurrentRing.Replicas.ToDictionary(r => r.Name, StringComparer.Ordinal);
                var before = basis.Replicas.ToDictionary(r => r.Name, StringComparer.Ordinal);
                next = next.Next(CurrentRing.Version + 1, table, records
                    .Select(r => before.GetValueOrDefault(r.Name) == r && current.TryGetValue(r.Name, out var now) ? now : r)
                    .ToList());
                _writeBehind.StoreLater();
            }

            await _publisher.PublishAsync(next);
            _logger.LogInformation("{Change} {Replicas} at version {Version}", what, names, next.Version);
            return CurrentSnapshot;
        }
        finally
        {
            _tableChanges.Release();
        }
    }
}
