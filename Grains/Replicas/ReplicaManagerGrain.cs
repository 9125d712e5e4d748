using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Grains.Replicas;

public sealed class ReplicaManagerGrain(
    IReplicaRuntime runtime,
    HeartbeatProbe probe,
    ReplicaMetrics metrics,
    IOptions<ReplicaOptions> options,
    ILogger<ReplicaManagerGrain> logger) : Grain, IReplicaManagerGrain
{
    // A replica that stays healthy this long after a restart no longer counts as crashing.
    private static readonly TimeSpan StableAfter = TimeSpan.FromMinutes(1);

    private readonly ReplicaOptions _options = options.Value;
    private readonly Dictionary<string, ReplicaLife> _lives = new(StringComparer.Ordinal);

    private bool _reconciled;
    private long _nextOrdinal = 1;
    private IGrainTimer? _checkNow;
    private DateTime _lastReconcile = DateTime.UtcNow;

    private IRingGrain Ring => GrainFactory.GetGrain<IRingGrain>(RingKeys.Default);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // KeepAlive: the health loop must not stop because nobody called the grain for a while.
        this.RegisterGrainTimer(CheckHealthAsync, new GrainTimerCreationOptions
        {
            DueTime = _options.HealthCheckInterval,
            Period = _options.HealthCheckInterval,
            KeepAlive = true,
        });
        return Task.CompletedTask;
    }

    public async Task<AdminResult> Add(int count, IReadOnlyList<string> hostnames)
    {
        var unreconciled = await ReconcileFirstAsync();
        var ring = await Ring.GetState();
        var current = ring.Replicas.Select(r => r.Name).ToList();
        if (ValidateAdd(count, hostnames, current) is { } error)
        {
            return AdminResult.Invalid(error, current, ring.Version);
        }

        if (unreconciled is not null)
        {
            return AdminResult.RuntimeFailure(unreconciled, current, ring.Version);
        }

        var taken = new HashSet<string>(current, SameKey);
        taken.UnionWith(hostnames);
        var names = hostnames.ToList();
        while (names.Count < count)
        {
            names.Add(ReplicaNames.NewRandom(taken));
            taken.Add(names[^1]);
        }

        return await StartAndRegisterAsync(names, ring);
    }

    public async Task<AdminResult> Remove(int count, IReadOnlyList<string> hostnames)
    {
        var unreconciled = await ReconcileFirstAsync();
        var ring = await Ring.GetState();
        var current = ring.Replicas.Select(r => r.Name).ToList();
        if (ValidateRemove(count, hostnames, current) is { } error)
        {
            return AdminResult.Invalid(error, current, ring.Version);
        }

        if (unreconciled is not null)
        {
            return AdminResult.RuntimeFailure(unreconciled, current, ring.Version);
        }

        var names = hostnames.ToList();
        var candidates = current.Except(names, StringComparer.Ordinal).ToList();
        while (names.Count < count)
        {
            var pick = Random.Shared.Next(candidates.Count);
            names.Add(candidates[pick]);
            candidates.RemoveAt(pick);
        }

        // Out of the ring first, so no gateway routes to a replica that is stopping.
        RoutingSnapshot snapshot;
        try
        {
            snapshot = await Ring.RemoveReplicas(names);
        }
        catch (Exception ex)
        {
            // As for an add: the call may have failed after the ring committed.
            var committed = await RingSnapshotIfAsync(held => !held.Replicas.Any(r => names.Contains(r.Name, StringComparer.Ordinal)));
            if (committed is null)
            {
                logger.LogWarning(ex, "Could not take replicas {Replicas} out of the ring; nothing was changed", names);
                return ex is ArgumentException
                    ? AdminResult.Invalid(ex.Message, current, ring.Version)
                    : AdminResult.RuntimeFailure($"Could not take the replicas out of the ring: {ex.Message}", current, ring.Version);
            }

            snapshot = committed;
        }

        var removed = ring.Replicas.Where(r => names.Contains(r.Name, StringComparer.Ordinal)).ToList();
        foreach (var replica in removed)
        {
            _lives.Remove(replica.Name);
        }

        await Task.WhenAll(removed.Select(r => StopQuietlyAsync(new ReplicaInstance(r.Name, r.Address, r.RuntimeId))));
        logger.LogInformation("Removed replicas {Replicas}; {Count} remain", names, snapshot.Count);
        return AdminResult.Success(snapshot.Replicas.Select(r => r.Name).ToList(), snapshot.Version);
    }

    public async Task<IReadOnlyList<ReplicaStatus>> GetReplicas()
    {
        var ring = await Ring.GetState();
        return ring.Replicas
            .Select(r =>
            {
                var life = _lives.GetValueOrDefault(r.Name);
                var health = life?.Health ?? (r.IsUp ? ReplicaHealth.Healthy : ReplicaHealth.Dead);
                return new ReplicaStatus(r.Name, r.Address, runtime.Kind, r.RuntimeId, health, life?.Restarts ?? 0, r.Share);
            })
            .ToList();
    }

    public async Task EnsureStarted()
    {
        await EnsureReconciledAsync(CancellationToken.None);
        var ring = await Ring.GetState();
        if (ring.Version == 0 && ring.Replicas.Count == 0 && _options.InitialCount > 0)
        {
            var names = Enumerable.Range(1, _options.InitialCount).Select(ReplicaNames.Initial).ToList();
            var result = await StartAndRegisterAsync(names, ring);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"Could not start the initial replicas: {result.Message}");
            }
        }
    }

    public Task<string> GetSilo() => Task.FromResult(RuntimeIdentity);

    public Task ReportSuspect(string name)
    {
        if (_lives.TryGetValue(name, out var life) && life.Health == ReplicaHealth.Healthy)
        {
            life.Health = ReplicaHealth.Suspect;
            logger.LogInformation("A gateway reported replica {Replica} as suspect", name);

            // Check now rather than at the next tick; a timer turn, so it never overlaps the health loop.
            _checkNow?.Dispose();
            _checkNow = this.RegisterGrainTimer(CheckHealthAsync, new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.Zero,
                Period = Timeout.InfiniteTimeSpan,
            });
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// One round of the health loop: probe every replica; mark the dead ones down in one version step (the table keeps
    /// their place, so only their keys move, to the next replica in each key's order); replace them; mark them up.
    /// </summary>
    private async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        // Reactivated on another silo (its silo died): adopt what runs before judging anything.
        await EnsureReconciledAsync(cancellationToken);
        var ring = await Ring.GetState();
        if (DateTime.UtcNow - _lastReconcile > _options.ReconcileInterval)
        {
            // Strays (labelled containers or registered processes not in the ring) go; vanished replicas come back.
            await ReconcileAsync(ring, await runtime.ListAsync(cancellationToken), markUp: false);
            ring = await Ring.GetState();
        }

        var probes = ring.Replicas
            .Select(r => (Replica: r, Result: probe.ProbeAsync(r.Address, _options.HeartbeatPath, _options.HealthCheckTimeout, cancellationToken)))
            .ToList();
        await Task.WhenAll(probes.Select(p => p.Result));

        var now = DateTime.UtcNow;
        var down = new List<ReplicaRecord>();
        var dead = new List<RingReplicaState>();
        foreach (var (replica, result) in probes)
        {
            var life = Life(replica.Name);
            if (result.Result == HeartbeatResult.Alive)
            {
                life.Failures = 0;
                if (life.Health is ReplicaHealth.Suspect or ReplicaHealth.Starting)
                {
                    life.Health = ReplicaHealth.Healthy;
                }

                if (life.CrashStreak > 0 && now - life.HealthySince > StableAfter)
                {
                    life.CrashStreak = 0;
                    life.Health = ReplicaHealth.Healthy;
                }

                continue;
            }

            // A refused connection on the replica's own port means its process is gone: dead at once.
            life.Failures = result.Result == HeartbeatResult.Refused ? Math.Max(life.Failures + 1, _options.FailuresBeforeDead) : life.Failures + 1;
            if (life.Failures < _options.FailuresBeforeDead && replica.IsUp)
            {
                life.Health = ReplicaHealth.Suspect;
                continue;
            }

            if (replica.IsUp)
            {
                logger.LogWarning("Replica {Replica} at {Address} is dead after {Failures} failed heartbeats", replica.Name, replica.Address, life.Failures);
                down.Add(new ReplicaRecord(replica.Name, replica.Address, replica.RuntimeId, IsUp: false));
                metrics.Died(replica.Name);
                life.Health = ReplicaHealth.Dead;
            }

            if (now >= life.NextRestart)
            {
                dead.Add(replica);
            }
        }

        if (down.Count > 0 && !_options.ReplaceWithNewName)
        {
            await Ring.UpdateReplicas(down);
        }

        if (dead.Count > 0)
        {
            await Task.WhenAll(dead.Select(ReplaceAsync));
        }

        metrics.Observed(ring.Replicas.Select(r => (r.Name, Life(r.Name).Health)).ToList());
    }

    /// <summary>
    /// Once per activation, before anything else: learns what the runtime runs, rebuilds a new (empty) ring from running
    /// replicas, adopts the ring's running replicas, respawns its missing ones and stops strays.
    /// </summary>
    private async Task EnsureReconciledAsync(CancellationToken cancellationToken)
    {
        if (_reconciled)
        {
            return;
        }

        var ring = await Ring.GetState();
        var running = await runtime.ListAsync(cancellationToken);
        _nextOrdinal = Math.Max(_nextOrdinal, running.Select(i => i.Ordinal).DefaultIfEmpty(0).Max() + 1);
        if (ring.Version == 0 && ring.Replicas.Count == 0)
        {
            ring = await AdoptIntoNewRingAsync(ring, running);
        }

        await ReconcileAsync(ring, running, markUp: true);
        _reconciled = true;
    }

    /// <summary>An admin change on a fresh activation reconciles first; null when done, else why it could not.</summary>
    private async Task<string?> ReconcileFirstAsync()
    {
        try
        {
            await EnsureReconciledAsync(CancellationToken.None);
            return null;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not compare the running replicas with the ring");
            return $"Could not compare the running replicas with the ring: {ex.Message}";
        }
    }

    /// <summary>
    /// A new ring while replicas of this cluster run: its state was lost (kept in memory, with a silo that restarted),
    /// not a new cluster. The running replicas become the ring again, in the order they were added, rather than being
    /// removed as strays and replaced; without removals in between, the table comes out exactly as it was.
    /// </summary>
    private async Task<RingState> AdoptIntoNewRingAsync(RingState ring, IReadOnlyList<ReplicaInstance> running)
    {
        var adopted = running
            .Where(i => i.Address.Length > 0 && !string.IsNullOrWhiteSpace(i.Name))
            .GroupBy(i => i.Name, StringComparer.Ordinal)
            .Select(g => g.OrderBy(i => i.Ordinal).First())
            .OrderBy(i => i.Ordinal == 0 ? long.MaxValue : i.Ordinal)
            .ThenBy(i => i.Name, StringComparer.Ordinal)
            .Take(_options.MaxCount)
            .ToList();
        if (adopted.Count == 0)
        {
            return ring;
        }

        await Ring.AddReplicas(adopted.Select(i => new ReplicaRecord(i.Name, i.Address, i.RuntimeId)).ToList());
        logger.LogWarning(
            "The ring was empty while {Count} replicas of this cluster run (its state was lost): rebuilt it from them, in their order of addition: {Replicas}",
            adopted.Count, adopted.Select(i => i.Name));
        return await Ring.GetState();
    }

    /// <summary>The replica's place in the order of addition: known from the runtime or an earlier start, else the next one.</summary>
    private long OrdinalOf(string name)
    {
        var life = Life(name);
        if (life.Ordinal == 0)
        {
            life.Ordinal = _nextOrdinal++;
        }

        return life.Ordinal;
    }

    private ReplicaLife Life(string name)
    {
        if (!_lives.TryGetValue(name, out var life))
        {
            _lives[name] = life = ReplicaLife.Healthy();
        }

        return life;
    }

    /// <summary>Stops what is left of a dead replica and starts its replacement, backing off when it keeps dying.</summary>
    private async Task ReplaceAsync(RingReplicaState replica)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var life = Life(replica.Name);
        life.Health = ReplicaHealth.Restarting;
        life.CrashStreak++;
        life.NextRestart = DateTime.UtcNow + Backoff(life.CrashStreak);
        await StopQuietlyAsync(new ReplicaInstance(replica.Name, replica.Address, replica.RuntimeId));

        var name = _options.ReplaceWithNewName
            ? ReplicaNames.NewRandom((await Ring.GetState()).Replicas.Select(r => r.Name).ToHashSet(SameKey))
            : replica.Name;
        ReplicaInstance instance;
        try
        {
            // A new name joins the ring at its end; the same name keeps its place.
            instance = await StartHealthyAsync(name, _options.ReplaceWithNewName ? _nextOrdinal++ : OrdinalOf(replica.Name));
        }
        catch (ReplicaStartException ex)
        {
            life.Health = life.CrashStreak >= _options.FailedAfterRestarts ? ReplicaHealth.Failed : ReplicaHealth.Dead;
            logger.LogError(ex, "Could not replace replica {Replica} (attempt {Attempt}); next try after {NextRestart:O}", replica.Name, life.CrashStreak, life.NextRestart);
            return;
        }

        life.Restarts++;
        metrics.Restarted(replica.Name);
        life.Failures = 0;
        life.HealthySince = DateTime.UtcNow;
        life.Health = life.CrashStreak >= _options.FailedAfterRestarts ? ReplicaHealth.Failed : ReplicaHealth.Healthy;
        if (life.Health == ReplicaHealth.Failed)
        {
            logger.LogError("Replica {Replica} keeps dying: restarted {Restarts} times in a row", replica.Name, life.CrashStreak);
        }

        if (_options.ReplaceWithNewName)
        {
            await Ring.RemoveReplicas([replica.Name]);
            await Ring.AddReplicas([new ReplicaRecord(instance.Name, instance.Address, instance.RuntimeId)]);
            _lives.Remove(replica.Name);
            _lives[instance.Name] = life;
            life.Ordinal = instance.Ordinal;
        }
        else
        {
            await Ring.UpdateReplicas([new ReplicaRecord(instance.Name, instance.Address, instance.RuntimeId)]);
        }

        logger.LogInformation(
            "Replaced replica {Replica} with {Replacement} at {Address} in {Elapsed:0} ms (restart {Restarts})",
            replica.Name, instance.Name, instance.Address, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, life.Restarts);
    }

    private TimeSpan Backoff(int crashStreak)
    {
        // The first respawn is immediate; then 1 s, 2 s, 4 s … up to the configured maximum.
        var seconds = crashStreak <= 1 ? 0 : Math.Pow(2, Math.Min(crashStreak - 2, 20));
        return TimeSpan.FromSeconds(Math.Min(seconds, _options.MaxRestartBackoff.TotalSeconds));
    }

    private string? ValidateAdd(int count, IReadOnlyList<string> hostnames, IReadOnlyList<string> current)
    {
        if (count <= 0)
        {
            return "'n' must be a positive integer";
        }

        if (hostnames.Count > count)
        {
            return "Length of hostname list is more than newly added instances";
        }

        if (current.Count + count > _options.MaxCount)
        {
            return $"Adding {count} replicas to {current.Count} would exceed the maximum of {_options.MaxCount} replicas";
        }

        return ValidateNames(hostnames)
            ?? hostnames
                .Where(h => current.Contains(h, StringComparer.Ordinal))
                .Select(h => $"Replica '{h}' already exists")
                .FirstOrDefault()
            ?? Clash(hostnames, current);
    }

    /// <summary>Names equal under <see cref="IReplicaRuntime.NameKey"/>.</summary>
    private IEqualityComparer<string> SameKey => EqualityComparer<string>.Create(
        (a, b) => a is null ? b is null : b is not null && runtime.NameKey(a) == runtime.NameKey(b),
        name => runtime.NameKey(name).GetHashCode(StringComparison.Ordinal));

    /// <summary>A new name the runtime cannot tell from an existing replica's or another new one's (e.g. "Server-1" beside "Server 1" for Docker).</summary>
    private string? Clash(IReadOnlyList<string> hostnames, IReadOnlyList<string> current)
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in current)
        {
            keys.TryAdd(runtime.NameKey(name), name);
        }

        foreach (var name in hostnames)
        {
            if (!keys.TryAdd(runtime.NameKey(name), name))
            {
                var other = keys[runtime.NameKey(name)];
                var what = current.Contains(other, StringComparer.Ordinal) ? "replica" : "hostname";
                return $"Hostname '{name}' clashes with {what} '{other}': the {runtime.Kind} runtime would name both '{runtime.NameKey(name)}'";
            }
        }

        return null;
    }

    private static string? ValidateRemove(int count, IReadOnlyList<string> hostnames, IReadOnlyList<string> current)
    {
        if (count <= 0)
        {
            return "'n' must be a positive integer";
        }

        if (hostnames.Count > count)
        {
            return "Length of hostname list is more than removable instances";
        }

        if (count > current.Count)
        {
            return $"Cannot remove {count} replicas: only {current.Count} exist";
        }

        return Duplicate(hostnames) ?? hostnames
            .Where(h => !current.Contains(h, StringComparer.Ordinal))
            .Select(h => $"Replica '{h}' does not exist")
            .FirstOrDefault();
    }

    private static string? ValidateNames(IReadOnlyList<string> hostnames) =>
        hostnames.Where(h => !ReplicaNames.IsValid(h))
            .Select(h => $"Hostname '{h}' is not a valid name ({ReplicaNames.Rule})")
            .FirstOrDefault() ?? Duplicate(hostnames);

    private static string? Duplicate(IReadOnlyList<string> hostnames) =>
        hostnames.GroupBy(h => h, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => $"Hostname '{g.Key}' is given more than once")
            .FirstOrDefault();

    /// <summary>Starts every replica and waits for its heartbeat; registers all of them in one version step, or none.</summary>
    private async Task<AdminResult> StartAndRegisterAsync(IReadOnlyList<string> names, RingState ring)
    {
        var current = ring.Replicas.Select(r => r.Name).ToList();
        var starts = names.Select(name => StartHealthyAsync(name, _nextOrdinal++)).ToList();
        try
        {
            await Task.WhenAll(starts);
        }
        catch (Exception)
        {
            var started = starts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).ToList();
            await Task.WhenAll(started.Select(StopQuietlyAsync));

            // A start may also have been cancelled rather than failed.
            var failure = starts.FirstOrDefault(t => t.IsFaulted)?.Exception?.InnerException;
            logger.LogWarning(failure, "Could not start replicas {Replicas}; nothing was changed", names);
            return AdminResult.RuntimeFailure(
                failure?.Message ?? $"Starting replicas {string.Join(", ", names.Select(n => $"'{n}'"))} was cancelled", current, ring.Version);
        }

        var instances = starts.Select(t => t.Result).ToList();
        RoutingSnapshot snapshot;
        try
        {
            var records = instances.Select(i => new ReplicaRecord(i.Name, i.Address, i.RuntimeId)).ToList();
            snapshot = await Ring.AddReplicas(records);
        }
        catch (Exception ex)
        {
            // The call may have failed after the ring committed (a timeout, the ring's silo dying): then it did change.
            if (await RingSnapshotIfAsync(held => instances.All(i => held.Replicas.Any(r => r.Name == i.Name && r.Address == i.Address))) is { } committed)
            {
                snapshot = committed;
            }
            else
            {
                await Task.WhenAll(instances.Select(StopQuietlyAsync));
                logger.LogWarning(ex, "Could not add replicas {Replicas} to the ring; stopped them, nothing was changed", names);
                return ex is ArgumentException
                    ? AdminResult.Invalid(ex.Message, current, ring.Version)
                    : AdminResult.RuntimeFailure($"Could not add the replicas to the ring: {ex.Message}", current, ring.Version);
            }
        }

        foreach (var instance in instances)
        {
            var life = _lives[instance.Name] = ReplicaLife.Healthy();
            life.Ordinal = instance.Ordinal;
        }

        logger.LogInformation("Added replicas {Replicas}; {Count} in the ring", names, snapshot.Count);
        return AdminResult.Success(snapshot.Replicas.Select(r => r.Name).ToList(), snapshot.Version);
    }

    /// <summary>The ring's snapshot when it passes <paramref name="test"/> (did a change commit after all?); null when not, or when the ring cannot say.</summary>
    private async Task<RoutingSnapshot?> RingSnapshotIfAsync(Func<RoutingSnapshot, bool> test)
    {
        try
        {
            var snapshot = await Ring.GetSnapshot();
            return test(snapshot) ? snapshot : null;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not read the ring");
            return null;
        }
    }

    private async Task<ReplicaInstance> StartHealthyAsync(string name, long ordinal)
    {
        var instance = await runtime.StartAsync(name, ordinal, CancellationToken.None);
        string? exit = null;
        // A replica that crashed while starting fails now, saying why, rather than after the whole timeout.
        if (await probe.WaitAliveAsync(instance.Address, _options.HeartbeatPath, _options.StartTimeout, CancellationToken.None,
                async () => (exit = await ExitOfAsync(instance)) is not null))
        {
            return instance;
        }

        await StopQuietlyAsync(instance);
        throw new ReplicaStartException(
            exit ?? $"Replica '{name}' did not answer {_options.HeartbeatPath} within {_options.StartTimeout.TotalSeconds:0.#} s");
    }

    private async Task<string?> ExitOfAsync(ReplicaInstance instance)
    {
        try
        {
            return await runtime.DescribeExitAsync(instance, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Could not ask the runtime about replica {Replica}", instance.Name);
            return null;
        }
    }

    /// <summary>Adopts running replicas that belong to the ring, respawns missing ones, and stops strays.</summary>
    private async Task ReconcileAsync(RingState ring, IReadOnlyList<ReplicaInstance> running, bool markUp)
    {
        _lastReconcile = DateTime.UtcNow;
        var byName = running.GroupBy(i => i.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var updates = new List<ReplicaRecord>();
        foreach (var replica in ring.Replicas)
        {
            var instances = byName.GetValueOrDefault(replica.Name) ?? [];
            var live = instances.FirstOrDefault(i => i.Address.Length > 0);
            foreach (var extra in instances.Where(i => i != live))
            {
                await StopQuietlyAsync(extra);
            }

            if (live is not null)
            {
                if (markUp || !_lives.ContainsKey(replica.Name))
                {
                    _lives[replica.Name] = ReplicaLife.Healthy();
                }

                if (live.Ordinal > 0)
                {
                    Life(replica.Name).Ordinal = live.Ordinal;
                }

                if (live.Address != replica.Address || live.RuntimeId != replica.RuntimeId || (markUp && !replica.IsUp))
                {
                    updates.Add(new ReplicaRecord(replica.Name, live.Address, live.RuntimeId));
                }

                if (markUp)
                {
                    logger.LogInformation("Adopted running replica {Replica} at {Address}", replica.Name, live.Address);
                }

                continue;
            }

            if (!markUp)
            {
                // Running: the health loop finds it dead and replaces it, with backoff.
                continue;
            }

            try
            {
                var instance = await StartHealthyAsync(replica.Name, OrdinalOf(replica.Name));
                var life = Life(replica.Name);
                life.Health = ReplicaHealth.Healthy;
                life.Restarts++;
                updates.Add(new ReplicaRecord(replica.Name, instance.Address, instance.RuntimeId));
                logger.LogInformation("Respawned missing replica {Replica} at {Address}", replica.Name, instance.Address);
            }
            catch (ReplicaStartException ex)
            {
                Life(replica.Name).Health = ReplicaHealth.Failed;
                updates.Add(new ReplicaRecord(replica.Name, replica.Address, replica.RuntimeId, IsUp: false));
                logger.LogError(ex, "Could not respawn missing replica {Replica}", replica.Name);
            }
        }

        var members = ring.Replicas.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var stray in running.Where(i => !members.Contains(i.Name)))
        {
            logger.LogWarning("Stopping stray replica {Replica} ({RuntimeId}): it is not in the ring", stray.Name, stray.RuntimeId);
            await StopQuietlyAsync(stray);
        }

        if (updates.Count > 0)
        {
            await Ring.UpdateReplicas(updates);
        }
    }

    private async Task StopQuietlyAsync(ReplicaInstance instance)
    {
        try
        {
            await runtime.StopAsync(instance, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not stop replica {Replica} ({RuntimeId})", instance.Name, instance.RuntimeId);
        }
    }
}
