namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// Starts and stops replica processes or containers. Implemented by the silo (local processes, Docker);
/// the ReplicaManagerGrain decides what runs, the runtime only carries it out.
/// </summary>
public interface IReplicaRuntime
{
    /// <summary>Short name for logs and <c>/replicas</c>, e.g. <c>process</c> or <c>docker</c>.</summary>
    string Kind { get; }

    /// <summary>
    /// Starts a replica named <paramref name="name"/> and returns once it has been launched (not necessarily serving).
    /// Keeps <paramref name="ordinal"/> with it (see <see cref="ReplicaInstance.Ordinal"/>) for <see cref="ListAsync"/>.
    /// Throws <see cref="ReplicaStartException"/> with a clear message when it cannot be started; leaves nothing behind.
    /// </summary>
    Task<ReplicaInstance> StartAsync(string name, long ordinal, CancellationToken cancellationToken);

    /// <summary>Stops the replica and releases what it held. Succeeds when it is already gone.</summary>
    Task StopAsync(ReplicaInstance instance, CancellationToken cancellationToken);

    /// <summary>
    /// Stops the replica letting it finish what it holds: asks it to stop (SIGTERM, <c>docker stop</c>) and kills it
    /// after <paramref name="grace"/> at the latest. A runtime whose stop is already graceful need not override this.
    /// </summary>
    Task StopAsync(ReplicaInstance instance, TimeSpan grace, CancellationToken cancellationToken) => StopAsync(instance, cancellationToken);

    /// <summary>The replicas this runtime runs for this cluster now (for reconciliation and adoption after a restart).</summary>
    Task<IReadOnlyList<ReplicaInstance>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Why a started replica is no longer running (its exit code and, where cheap, its last output), in words fit for
    /// an API error; null while it runs, or when the runtime cannot tell. Asked while a new replica is not answering yet,
    /// so that one that crashed fails its start at once and says why.
    /// </summary>
    Task<string?> DescribeExitAsync(ReplicaInstance instance, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

    /// <summary>
    /// What two replica names must not share for this runtime to tell the replicas apart (Docker: the container name,
    /// which is also a DNS name, so regardless of case). The manager rejects a new name whose key is taken.
    /// </summary>
    string NameKey(string name) => name;
}
