using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// The slow half of replica lifecycle, run outside any decision: starting a replica and waiting until it answers its
/// heartbeat, starting several all-or-none, stopping without failing the caller, and probing.
/// </summary>
internal sealed class ReplicaLauncher(IReplicaRuntime runtime, HeartbeatProbe probe, ReplicaOptions options, ILogger logger)
{
    public IReplicaRuntime Runtime => runtime;

    public Task<HeartbeatResult> ProbeAsync(string address, CancellationToken cancellationToken) =>
        probe.ProbeAsync(address, options.HeartbeatPath, options.HealthCheckTimeout, cancellationToken);

    /// <summary>Probes a ring member with its <see cref="HealthCheckOf"/>.</summary>
    public Task<HeartbeatResult> ProbeAsync(ReplicaRecord replica, CancellationToken cancellationToken)
    {
        var (path, alive) = HealthCheckOf(replica);
        return probe.ProbeAsync(replica.Address, path, options.HealthCheckTimeout, cancellationToken, alive, replica.Protocol);
    }

    /// <summary>
    /// The check the health loop makes of a ring member: the heartbeat (2xx) of a replica run here, an external
    /// replica's own path and statuses (<see cref="ExternalHealthCheck"/>).
    /// </summary>
    public (string Path, HealthStatusRange Alive) HealthCheckOf(ReplicaRecord replica) =>
        ExternalReplicas.Is(replica)
            ? (ExternalHealthCheck.PathOf(replica, options.ExternalHealthPath), ExternalHealthCheck.StatusOf(replica))
            : (options.HeartbeatPath, HealthStatusRange.Success);

    /// <summary>
    /// Probes a ring member for the health round: as <see cref="ProbeAsync(ReplicaRecord, CancellationToken)"/>, and
    /// when a replica run here does not answer, asks the runtime whether it still runs (<see cref="HeartbeatResult.Exited"/>
    /// when not): a stopped container's address may time out rather than refuse.
    /// </summary>
    public async Task<HeartbeatResult> ProbeLivenessAsync(ReplicaRecord replica, CancellationToken cancellationToken)
    {
        var result = await ProbeAsync(replica, cancellationToken);
        return result == HeartbeatResult.Failed && !ExternalReplicas.Is(replica) && await ExitOfAsync(ReplicaInstance.Of(replica)) is not null
            ? HeartbeatResult.Exited
            : result;
    }

    /// <summary>Starts a replica and waits for its heartbeat; throws <see cref="ReplicaStartException"/> saying why not, leaving nothing behind.</summary>
    public async Task<ReplicaInstance> StartHealthyAsync(string name, long ordinal)
    {
        var instance = await runtime.StartAsync(name, ordinal, CancellationToken.None);
        string? exit = null;
        // A replica that crashed while starting fails now, saying why, rather than after the whole timeout.
        if (await probe.WaitAliveAsync(instance.Address, options.HeartbeatPath, options.StartTimeout, CancellationToken.None,
                async () => (exit = await ExitOfAsync(instance)) is not null))
        {
            return instance;
        }

        await StopQuietlyAsync(instance);
        throw new ReplicaStartException(
            exit ?? $"Replica '{name}' did not answer {options.HeartbeatPath} within {options.StartTimeout.TotalSeconds:0.#} s");
    }

    /// <summary>Starts every replica, or none: when one fails, the started ones are stopped and the first failure is thrown.</summary>
    public async Task<IReadOnlyList<ReplicaInstance>> StartAllAsync(IReadOnlyList<(string Name, long Ordinal)> replicas)
    {
        var starts = replicas.Select(r => StartHealthyAsync(r.Name, r.Ordinal)).ToList();
        try
        {
            return await Task.WhenAll(starts);
        }
        catch (Exception)
        {
            await StopAllAsync(starts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));

            // A start may also have been cancelled rather than failed.
            var failure = starts.FirstOrDefault(t => t.IsFaulted)?.Exception?.InnerException;
            throw failure as ReplicaStartException ?? new ReplicaStartException(
                failure?.Message ?? $"Starting replicas {string.Join(", ", replicas.Select(r => $"'{r.Name}'"))} was cancelled");
        }
    }

    public Task StopAllAsync(IEnumerable<ReplicaInstance> instances) => Task.WhenAll(instances.Select(StopQuietlyAsync));

    /// <summary>Stops a replica; a failure is logged, never thrown (what is left is a stray the next reconcile stops).</summary>
    public async Task StopQuietlyAsync(ReplicaInstance instance)
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

    /// <summary>Stops a replica that may still finish work: SIGTERM (or <c>docker stop</c>), <see cref="ReplicaOptions.StopGrace"/>, then a kill. Never throws.</summary>
    public async Task StopGracefullyAsync(ReplicaInstance instance)
    {
        try
        {
            await runtime.StopAsync(instance, options.StopGrace, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not stop replica {Replica} ({RuntimeId})", instance.Name, instance.RuntimeId);
        }
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
}
