namespace Orleans.LoadBalancer.Analysis;

/// <summary>
/// The routing algorithm and replica set the run found, and putting them back: what the run added is removed by
/// name, what it removed is added back by name.
/// </summary>
public sealed class ClusterBaseline
{
    private readonly GatewayClient _gateway;

    // Removed replicas whose names /add rejects come back under the closest accepted name.

    private ClusterBaseline(GatewayClient gateway, string algorithm, IReadOnlyList<string> names, IReadOnlyList<ReplicaInfo> replicas)
    {
        _gateway = gateway;
        Algorithm = algorithm;
        Names = names;
        Replicas = replicas;
    }

    public string Algorithm { get; }

    /// <summary>The replica names in <c>/rep</c> order.</summary>
    public IReadOnlyList<string> Names { get; }

    public IReadOnlyList<ReplicaInfo> Replicas { get; }

    public static async Task<ClusterBaseline> ReadAsync(GatewayClient gateway, CancellationToken cancellationToken)
    {
        var ring = await gateway.RingAsync(cancellationToken);
        var names = await gateway.RepAsync(cancellationToken);
        return new ClusterBaseline(gateway, ring.Algorithm, names, await gateway.ReplicasAsync(cancellationToken));
    }

    /// <summary>Puts the algorithm and the replica set back; returns what could not be put back exactly.</summary>
    public async Task<IReadOnlyList<string>> RestoreAsync(CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var current = await _gateway.RepAsync(cancellationToken);
        var target = Names.ToList();
        // /add takes every name a replica can have (the seed's "Server 1" included), so each comes back under its own.
        var additions = target.Except(current, StringComparer.Ordinal).ToList();

        // Add before removing, so the ring never empties on the way.
        await _gateway.AddAsync(additions, cancellationToken);
        var extra = current.Except(target, StringComparer.Ordinal).ToList();
        await _gateway.RemoveAsync(extra, cancellationToken);
        if ((await _gateway.RingAsync(cancellationToken)).Algorithm != Algorithm)
        {
            await _gateway.SetAlgorithmAsync(Algorithm, cancellationToken);
        }

        return notes;
    }
}
