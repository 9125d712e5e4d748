using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.LoadBalancer.Grains.Hosts;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// Orchestrates replica lifecycle and holds what it learns (<see cref="ReplicaTracker"/>); the rules live beside it
/// (<see cref="ReplicaSetRules"/>, <see cref="HealthPolicy"/>, <see cref="Reconciler"/>) and the slow work in
/// <see cref="ReplicaLauncher"/>. Reentrant: while a start waits for a heartbeat the grain keeps answering, so the
/// health round never waits behind an admin change. Admin changes queue behind each other; the names a change or a
/// replacement works on are busy, and the health round and the reconciler leave them alone.
/// </summary>
[Reentrant]
public sealed class ReplicaManagerGrain : Grain, IReplicaManagerGrain
{
    private readonly IReplicaRuntime _runtime;
    private readonly ReplicaOptions _options;
    private readonly ILogger<ReplicaManagerGrain> _logger;
    private readonly ReplicaLauncher _launcher;
    private readonly HealthPolicy _policy;
    private readonly ReplicaTracker _tracker;
    private readonly ReconcileExecutor _reconciler;
    private readonly HealthRound _round;
    private readonly ReplicaSetChanges _changes;
    private readonly ReplicaWeightChanges _weights;
    private readonly ReplicaDrainer _drainer;
    private readonly StaticReplicas _statics;
    private readonly HostLossRound? _hostLoss;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private Task? _activation;
    private bool _roundRunning;
    private IGrainTimer? _checkNow;

    public ReplicaManagerGrain(
        IReplicaRuntime runtime,
        HeartbeatProbe probe,
        ReplicaMetrics metrics,
        TimeProvider time,
        IOptions<ReplicaOptions> options,
        ILogger<ReplicaManagerGrain> logger)
    {
        (_runtime, _options, _logger) = (runtime, options.Value, logger);
        _launcher = new ReplicaLauncher(runtime, probe, _options, logger);
        _policy = new HealthPolicy(_options);
        _tracker = new ReplicaTracker(time);
        _drainer = new ReplicaDrainer(_launcher, _tracker, _options, logger);
        _changes = new ReplicaSetChanges(_launcher, _tracker, _drainer, logger);
        _weights = new ReplicaWeightChanges(logger);
        _statics = new StaticReplicas(_options, logger);
        var replacer = new ReplicaReplacer(_launcher, _policy, _tracker, metrics, _options, logger);
        _reconciler = new ReconcileExecutor(_launcher, _tracker, replacer, _drainer, _options, logger);
        _round = new HealthRound(_launcher, _policy, _tracker, replacer, metrics, logger);
        _hostLoss = runtime is ClusterReplicaRuntime hosts ? new HostLossRound(hosts, replacer, _tracker, logger) : null;
    }

    private IRingGrain Ring => GrainFactory.GetGrain<IRingGrain>(RingKeys.Default);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // KeepAlive: the health loop must not stop because nobody called the grain for a while.
        this.RegisterGrainTimer(CheckHealthAsync, new GrainTimerCreationOptions
        {
            DueTime = _options.HealthCheckInterval,
            Period = _options.HealthCheckInterval,
            KeepAlive = true,
            Interleave = true,
        });
        return Task.CompletedTask;
    }

    public Task<AdminResult> Add(int count, IReadOnlyList<string> hostnames) => AddWeighted(count, hostnames, ReplicaSetRules.DefaultWeight);

    public Task<AdminResult> AddWeighted(int count, IReadOnlyList<string> hostnames, int weight) => InTurnAsync(
        ring => ReplicaSetRules.CheckWeight(weight)
            ?? ReplicaSetRules.ValidateAdd(count, hostnames, Names(ring), _options.MaxCount, _runtime.NameKey),
        ring =>
        {
            var taken = Names(ring).Concat(hostnames).SelectMany(n => new[] { n, _runtime.NameKey(n) }).ToHashSet(StringComparer.Ordinal);
            var names = hostnames.ToList();
            while (names.Count < count)
            {
                names.Add(ReplicaNames.NewRandom(taken));
                taken.Add(_runtime.NameKey(names[^1]));
            }

            return _changes.AddAsync(Ring, names, ring, weight);
        });

    public Task<AdminResult> AddExternal(IReadOnlyList<ReplicaRecord> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        var names = replicas.Select(r => r.Name).ToList();
        return InTurnAsync(
            ring => ReplicaSetRules.ValidateExternal(replicas)
                ?? ReplicaSetRules.ValidateAdd(names.Count, names, Names(ring), _options.MaxCount, _runtime.NameKey),
            ring => _changes.AddExternalAsync(Ring, replicas.Select(r => ReplicaSetRules.Canonical(ExternalReplicas.Of(r.Name, r.Address, r.Weight, r.Protocol, r.HealthPath, r.HealthStatus))).ToList(), ring));
    }

    public async Task<AdminResult> SetDraining(string name, bool draining)
    {
        ArgumentNullException.ThrowIfNull(name);
        var result = await InTurnAsync(_ => null, async ring =>
        {
            if (ring.Replicas.FirstOrDefault(r => r.Name == name) is not { } replica)
            {
                return AdminResult.NotFound(ReplicaSetRules.DoesNotExist(name), Names(ring), ring.Version);
            }

            if (replica.Draining == draining)
            {
                return AdminResult.Success(Names(ring), ring.Version);
            }

            var snapshot = await Ring.SetDraining(name, draining);
            _logger.LogInformation("Replica {Replica} is {State} by the operator", name, draining ? "draining" : "back in routing");
            return AdminResult.Success(snapshot.Replicas.Select(r => r.Name).ToList(), snapshot.Version);
        });
        return result;
    }

    public Task<IReadOnlyList<string>> ReportDrains(string gateway, IReadOnlyList<string> idle)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(idle);
        return Task.FromResult(_drainer.Report(gateway, idle));
    }

    public Task<AdminResult> Remove(int count, IReadOnlyList<string> hostnames) => InTurnAsync(
        ring => ReplicaSetRules.ValidateRemove(count, hostnames, Names(ring)),
        async ring =>
        {
            var names = hostnames.ToList();
            var candidates = Names(ring).Except(names, StringComparer.Ordinal).ToList();
            while (names.Count < count)
            {
                var pick = Random.Shared.Next(candidates.Count);
                names.Add(candidates[pick]);
                candidates.RemoveAt(pick);
            }

            return await _changes.RemoveAsync(Ring, names, ring);
        });

    public Task<AdminResult> SetWeight(string name, int weight) => InTurnAsync(_ => null, ring => _weights.SetAsync(Ring, name, weight, ring));

    public async Task<IReadOnlyList<ReplicaStatus>> GetReplicas()
    {
        var ring = await Ring.GetState();
        return ring.Replicas
            .Select((r, i) => (Replica: r, Share: ring.Shares[i], Check: _launcher.HealthCheckOf(r)))
            .Select(x => new ReplicaStatus(x.Replica.Name, x.Replica.Address, ExternalReplicas.Is(x.Replica) ? ExternalReplicas.RuntimeId : _runtime.Kind,
                x.Replica.RuntimeId, _tracker.StateOf(x.Replica), _tracker.RestartsOf(x.Replica.Name), x.Share, x.Replica.Weight, x.Replica.Draining,
                x.Replica.Host, x.Replica.Protocol, x.Check.Path, x.Check.Alive.ToString()))
            .ToList();
    }

    public async Task EnsureStarted()
    {
        await EnsureActivatedAsync();
        if (_options.InitialCount == 0 || await Ring.GetState() is not { Version: 0, Replicas.Count: 0 })
        {
            await RegisterStaticAsync();
            return;
        }

        // Only a new cluster starts the initial replicas: a ring that lost its state is rebuilt from what runs first.
        var names = Enumerable.Range(1, _options.InitialCount).Select(ReplicaNames.Initial).ToList();
        var result = await InTurnAsync(ring => ring is { Version: 0, Replicas.Count: 0 } ? null : "The ring is no longer new", ring => _changes.AddAsync(Ring, names, ring));
        if (result.Error == AdminError.RuntimeFailure)
        {
            throw new InvalidOperationException($"Could not start the initial replicas: {result.Message}");
        }

        await RegisterStaticAsync();
    }

    public Task<string> GetSilo() => Task.FromResult(RuntimeIdentity);

    public Task ReportSuspect(string name)
    {
        if (_tracker.Knows(name, out var health) && _policy.OnSuspectReport(health) is var suspect && suspect != health)
        {
            _tracker.Set(name, suspect);
            _logger.LogInformation("A gateway reported replica {Replica} as suspect", name);
            // Check now rather than at the next tick (a round under way is not repeated: the next tick covers it).
            _checkNow?.Dispose();
            _checkNow = this.RegisterGrainTimer(CheckHealthAsync, new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = Timeout.InfiniteTimeSpan, Interleave = true });
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Bad input is answered at once, also while another change is under way; a valid change waits its turn and is
    /// checked again against the ring as it is then.
    /// </summary>
    private async Task<AdminResult> InTurnAsync(Func<RingState, string?> validate, Func<RingState, Task<AdminResult>> change)
    {
        var ring = await Ring.GetState();
        if (validate(ring) is { } early)
        {
            return AdminResult.Invalid(early, Names(ring), ring.Version);
        }

        await EnsureActivatedAsync();
        if (ring.Version == 0)
        {
            // A new ring while replicas of this cluster run: its state was lost, and they become the ring before any change.
            await _reconciler.RunAsync(Ring, respawnMissing: false);
        }

        await _turn.WaitAsync();
        try
        {
            ring = await Ring.GetState();
            return validate(ring) is { } error ? AdminResult.Invalid(error, Names(ring), ring.Version) : await change(ring);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>One round: reconcile when due, then the health check. Each step fails alone.</summary>
    private async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        if (_roundRunning)
        {
            return;
        }

        _roundRunning = true;
        try
        {
            await _logger.TryAsync("first reconcile", EnsureActivatedAsync);
            if (_tracker.Now - _reconciler.LastRun > _options.ReconcileInterval)
            {
                await _logger.TryAsync("reconcile", () => _reconciler.RunAsync(Ring, respawnMissing: false));
            }

            if (_hostLoss is not null)
            {
                await _logger.TryAsync("lost hosts", () => _hostLoss.RunAsync(Ring));
            }

            await _logger.TryAsync("health check", () => _round.RunAsync(Ring, cancellationToken));
        }
        finally
        {
            _roundRunning = false;
        }
    }

    /// <summary>Once per activation, before anything else: adopt what runs, respawn what is missing.</summary>
    private Task EnsureActivatedAsync()
    {
        if (_activation is null || _activation.IsFaulted || _activation.IsCanceled)
        {
            _activation = _reconciler.RunAsync(Ring, respawnMissing: true);
        }

        return _activation;
    }

    /// <summary>Once per activation: <c>Replicas:Static</c> entries the ring lacks are registered (see <see cref="StaticReplicas"/>).</summary>
    private async Task RegisterStaticAsync()
    {
        if (_statics.Done || _statics.Missing(await Ring.GetState()) is not { Count: > 0 } missing)
        {
            _statics.Registered(succeeded: true);
            return;
        }

        var result = await InTurnAsync(
            ring => _statics.Missing(ring) is { Count: > 0 } now
                ? ReplicaSetRules.ValidateAdd(now.Count, now.Select(r => r.Name).ToList(), Names(ring), _options.MaxCount, _runtime.NameKey)
                : null,
            ring => _statics.Missing(ring) is { Count: > 0 } now
            ? _changes.AddExternalAsync(Ring, now, ring)
            : Task.FromResult(AdminResult.Success(Names(ring), ring.Version)));
        _statics.Registered(result.Succeeded);
        if (!result.Succeeded)
        {
            _logger.LogError("Could not register the static replicas {Replicas}: {Message}", missing.Select(r => r.Name), result.Message);
        }
    }

    private static List<string> Names(RingState ring) => ring.Replicas.Select(r => r.Name).ToList();
}
