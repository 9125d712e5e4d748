using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;
using Orleans.Runtime;
using Orleans.Utilities;

namespace Orleans.LoadBalancer.Grains.Ring;

/// <summary>
/// Reentrant so that reads and health changes never wait behind storage: a table change (add, remove, settings) is
/// stored before it is published; a health change (address, up/down) is published at once and stored as soon as
/// storage answers, since the runtime can always tell it again.
/// </summary>
[Reentrant]
public sealed class RingGrain : Grain, IRingGrain
{
    public const string StorageName = "ring";

    // Gateways renew well within this; a subscription that is not renewed lapses.
    private static readonly TimeSpan ObserverExpiry = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan StoreRetry = TimeSpan.FromSeconds(1);

    private readonly RingStore _store;
    private readonly RoutingSettings _configured;
    private readonly ILogger<RingGrain> _logger;
    private readonly ObserverManager<IRingObserver> _observers;
    private readonly SemaphoreSlim _tableChanges = new(1, 1);
    private readonly SlowStart _slowStart;
    private RingGrainState _ring = new();
    private RoutingSnapshot _snapshot = RoutingSnapshot.Empty;
    private bool _unstored;
    private Task? _storing;

    public RingGrain(
        [PersistentState("ring", StorageName)] IPersistentState<RingGrainState> state,
        IOptions<RoutingSettings> settings,
        IOptions<ReplicaOptions> replicas,
        TimeProvider time,
        ILogger<RingGrain> logger)
    {
        _store = new RingStore(state, logger);
        _slowStart = new SlowStart(new SlowStartRamp(replicas.Value.SlowStart), time, this, logger);
        _configured = settings.Value;
        _logger = logger;
        _observers = new ObserverManager<IRingObserver>(ObserverExpiry, logger);
    }

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
            ring = ring.Next(ring.Version + 1, Rebuilt(_configured, ring.CurrentTable), ring.Replicas);
            ring.Configured = _configured;
        }

        if (!ReferenceEquals(await _store.WriteAsync(ring), ring))
        {
            throw new InvalidOperationException("The ring changed in storage while it was activating.");
        }

        _ring = ring;
        _snapshot = Build(ring);
        _logger.LogInformation("Ring activated at version {Version} (epoch {Epoch}) with {Count} replicas", ring.Version, ring.Epoch, ring.Replicas.Count);

        // Ramps an earlier activation left unfinished resume where their weight is.
        _slowStart.Resume(ring);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _slowStart.Stop();
        if (_unstored)
        {
            await TryStoreAsync();
        }
    }

    public Task<RoutingSnapshot> GetSnapshot() => Task.FromResult(_snapshot);

    public Task<RoutingSnapshot?> GetSnapshotIfNewer(Guid ringId, long epoch, long version) => Task.FromResult(IfNewer(ringId, epoch, version));

    public Task<RoutingSnapshot?> Subscribe(IRingObserver observer, Guid ringId, long epoch, long version)
    {
        _observers.Subscribe(observer, observer);
        return Task.FromResult(IfNewer(ringId, epoch, version));
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
        var (ring, snapshot) = (_ring, _snapshot);
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

    public Task<RoutingSnapshot> ChangeSettings(RoutingSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings == _ring.CurrentTable.Settings
            ? Task.FromResult(_snapshot)
            : ChangeTableAsync("Changed settings for", [settings.ToString()], ring =>
                (RoutingTable.Create(settings).Add(ring.CurrentTable.Members, ring.CurrentTable.MemberWeights), ring.Replicas));
    }

    public async Task<RoutingSnapshot> ChangeWeights(IReadOnlyDictionary<string, int> weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        foreach (var (name, weight) in weights)
        {
            RoutingTable.TableWeight(weight, name);
        }

        var snapshot = await ChangeTableAsync("Changed the weights of", weights.Keys, ring =>
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

        return snapshot;
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

            if (!_ring.Replicas.Exists(r => r.Name == replica.Name))
            {
                throw new ArgumentException($"Replica '{replica.Name}' does not exist.", nameof(replicas));
            }
        }

        // The operator's fields (weight, draining) are not the runtime's to change: a health mark never undoes them.
        var records = _ring.Replicas.Select(r => updates.TryGetValue(r.Name, out var update) ? update with { Weight = r.Weight, Draining = r.Draining } : r).ToList();
        if (_slowStart.Applies(_ring) && _slowStart.Recovered(_ring.Replicas, records) is { Count: > 0 } recovered)
        {
            try
            {
                return await RecoverSlowlyAsync(updates, recovered);
            }
            catch (Exception ex) when (ex is not ArgumentException)
            {
                _logger.LogWarning(ex, "Could not start slow start for recovered replicas {Replicas}; they take their whole weight at once", recovered);
                records = _ring.Replicas.Select(r => updates.TryGetValue(r.Name, out var update) ? update with { Weight = r.Weight, Draining = r.Draining } : r).ToList();
            }
        }

        if (!records.SequenceEqual(_ring.Replicas))
        {
            await PublishAsync(_ring.Next(_ring.Version + 1, _ring.CurrentTable, records));
            StoreLater();
        }

        return _snapshot;
    }

    /// <summary>Advances the ramps that are due: one table change, one version step.</summary>
    internal Task<RoutingSnapshot> StepRampsAsync(Func<RingGrainState, List<KeyValuePair<string, int>>> weights)
    {
        var stepped = new List<string>();
        return ChangeTableAsync("Slow start stepped", stepped, ring =>
        {
            var changes = weights(ring);
            stepped.AddRange(changes.Select(c => $"{c.Key} to table weight {c.Value}"));
            return (ring.CurrentTable.ChangeWeights(changes), ring.Replicas);
        });
    }

    /// <summary>Marks recovered replicas up with a tenth of their weight, as one table change; they ramp from there.</summary>
    private async Task<RoutingSnapshot> RecoverSlowlyAsync(Dictionary<string, ReplicaRecord> updates, IReadOnlyList<string> recovered)
    {
        var snapshot = await ChangeTableAsync("Recovered (slow start)", recovered, ring =>
        {
            var records = ring.Replicas.Select(r => updates.TryGetValue(r.Name, out var update) ? update with { Weight = r.Weight, Draining = r.Draining } : r).ToList();
            var start = recovered.Where(n => records.Exists(r => r.Name == n))
                .Select(n => KeyValuePair.Create(n, _slowStart.Ramp.StartWeight(records.Find(r => r.Name == n)!.Weight))).ToList();
            return (ring.CurrentTable.ChangeWeights(start), records);
        });

        _slowStart.Start(recovered);
        return snapshot;
    }

    private static int Weight(ReplicaRecord record) => RoutingTable.TableWeight(record.Weight, record.Name) / RoutingTable.WeightScale;

    /// <summary>The table with other settings and the same members and weights; weights of 1 where the new algorithm has none (<c>classic</c>).</summary>
    private RoutingTable Rebuilt(RoutingSettings settings, RoutingTable table)
    {
        try
        {
            return RoutingTable.Create(settings).Add(table.Members, table.MemberWeights);
        }
        catch (ArgumentException ex)
        {
            _logger.LogWarning(ex, "The configured routing settings {Settings} cannot keep the replicas' weights; every replica has weight 1 in the table", settings);
            return RoutingTable.Create(settings).Add(table.Members);
        }
    }

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
            var basis = _ring;
            var (table, records) = change(basis);
            if (ReferenceEquals(table, basis.CurrentTable) && records.SequenceEqual(basis.Replicas))
            {
                return _snapshot;
            }

            var next = basis.Next(basis.Version + 1, table, records);
            var stored = await _store.WriteAsync(next);
            if (!ReferenceEquals(stored, next))
            {
                await PublishAsync(stored.Next(Math.Max(stored.Version, _ring.Version) + 1, stored.CurrentTable, stored.Replicas));
                StoreLater();
                throw new InvalidOperationException("The stored ring holds a change this request did not expect; nothing of this request was applied. Retry it.");
            }

            if (!ReferenceEquals(_ring, basis))
            {
                var current = _ring.Replicas.ToDictionary(r => r.Name, StringComparer.Ordinal);
                var before = basis.Replicas.ToDictionary(r => r.Name, StringComparer.Ordinal);
                next = next.Next(_ring.Version + 1, table, records
                    .Select(r => before.GetValueOrDefault(r.Name) == r && current.TryGetValue(r.Name, out var now) ? now : r)
                    .ToList());
                StoreLater();
            }

            await PublishAsync(next);
            _logger.LogInformation("{Change} {Replicas} at version {Version}", what, names, next.Version);
            return _snapshot;
        }
        finally
        {
            _tableChanges.Release();
        }
    }

    private void StoreLater()
    {
        _unstored = true;
        if (_storing is not { IsCompleted: false })
        {
            _storing = StoreUntilStoredAsync();
        }
    }

    /// <summary>Stores the published ring until storage takes it, retrying while storage does not answer.</summary>
    private async Task StoreUntilStoredAsync()
    {
        var failures = 0;
        while (_unstored)
        {
            if (await TryStoreAsync())
            {
                if (failures > 0)
                {
                    _logger.LogInformation("Stored ring version {Version} after {Failures} failed attempts", _ring.Version, failures);
                    failures = 0;
                }

                continue;
            }

            failures++;
            await Task.Delay(StoreRetry);
        }
    }

    private async Task<bool> TryStoreAsync()
    {
        _unstored = false;
        var ring = _ring;
        try
        {
            var stored = await _store.WriteAsync(ring);
            if (!ReferenceEquals(stored, ring))
            {
                // Storage holds a table change this activation took as failed: the stored table wins, health marks stay.
                var current = _ring.Replicas.ToDictionary(r => r.Name, StringComparer.Ordinal);
                await PublishAsync(stored.Next(Math.Max(stored.Version, _ring.Version) + 1, stored.CurrentTable,
                    stored.Replicas.Select(r => current.GetValueOrDefault(r.Name, r)).ToList()));
                _unstored = true;
            }

            return true;
        }
        catch (Orleans.Storage.InconsistentStateException ex)
        {
            _logger.LogError(ex, "Another activation has taken the ring over; this one stops");
            _unstored = false;
            DeactivateOnIdle();
            return true;
        }
        catch (Exception ex)
        {
            _unstored = true;
            _logger.LogWarning(ex, "Could not store ring version {Version}; routing on it meanwhile, retrying every {Retry}", ring.Version, StoreRetry);
            return false;
        }
    }

    private async Task PublishAsync(RingGrainState ring)
    {
        // A health or address change keeps the table: the snapshot keeps it too, which costs O(N) instead of O(M).
        var previous = _snapshot;
        var snapshot = ReferenceEquals(ring.Table, _ring.Table) && ring.RingId == previous.RingId && ring.Epoch == previous.Epoch
            && ring.Replicas.Select(r => r.Name).SequenceEqual(previous.Replicas.Select(r => r.Name), StringComparer.Ordinal)
            ? previous.WithRecords(ring.Version, Routed(ring))
            : Build(ring);
        (_ring, _snapshot) = (ring, snapshot);
        _observers.ClearExpired();

        // Gateways that hold the previous version get what changed; the others fetch the whole snapshot by version.
        if (snapshot.DeltaFrom(previous) is { } delta)
        {
            await _observers.Notify(o => o.OnDelta(delta));
        }
        else
        {
            await _observers.Notify(o => o.OnSnapshot(snapshot));
        }
    }

    private RoutingSnapshot? IfNewer(Guid ringId, long epoch, long version) => _snapshot.Supersedes(ringId, epoch, version) ? _snapshot : null;

    /// <summary>The ring as it is now (for the slow-start loop, which runs between calls).</summary>
    internal RingGrainState Current => _ring;

    private static RoutingSnapshot Build(RingGrainState ring) =>
        RoutingSnapshot.Create(ring.Version, ring.CurrentTable, Routed(ring)) with { RingId = ring.RingId, Epoch = ring.Epoch };

    private static List<RoutedReplica> Routed(RingGrainState ring) =>
        ring.Replicas.Select(r => new RoutedReplica(r.Name, r.Address, r.IsUp, r.Weight, r.Draining)).ToList();
}
