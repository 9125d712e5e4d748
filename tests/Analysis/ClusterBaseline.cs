namespace Orleans.LoadBalancer.Analysis;

/// <summary>
/// The routing algorithm, replica set and weights the run found, and putting them back: what the run added is removed
/// by name, what it removed is added back by name, and every weight the run changed is set back.
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

    /// <summary>Puts the algorithm, the replica set and the weights back; returns what could not be put back exactly.</summary>
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

        // classic takes no weight but 1 and cannot be switched to while a weight is not 1: weights are set while the
        // ring routes with a weighted algorithm, before going back to classic or after leaving it.
        if ((await _gateway.RingAsync(cancellationToken)).Algorithm == "classic")
        {
            await RestoreAlgorithmAsync(cancellationToken);
            await RestoreWeightsAsync(notes, cancellationToken);
        }
        else
        {
            await RestoreWeightsAsync(notes, cancellationToken);
            await RestoreAlgorithmAsync(cancellationToken);
        }

        return notes;
    }

    private async Task RestoreAlgorithmAsync(CancellationToken cancellationToken)
    {
        if ((await _gateway.RingAsync(cancellationToken)).Algorithm != Algorithm)
        {
            await _gateway.SetAlgorithmAsync(Algorithm, cancellationToken);
        }
    }

    /// <summary>Sets back every weight that differs from the start (a re-added replica comes back with weight 1).</summary>
    private async Task RestoreWeightsAsync(List<string> notes, CancellationToken cancellationToken)
    {
        var current = (await _gateway.ReplicasAsync(cancellationToken)).ToDictionary(r => r.Name, r => r.Weight, StringComparer.Ordinal);
        foreach (var replica in Replicas.Where(r => r.Weight > 0 && current.TryGetValue(r.Name, out var now) && now != r.Weight))
        {
            var reply = await _gateway.PutWeightAsync(replica.Name, replica.Weight, cancellationToken);
            if (reply.Status != 200)
            {
                notes.Add($"`{replica.Name}` kept weight {current[replica.Name]}, not its weight {replica.Weight} at the start: `PUT /replicas/…/weight` answered {reply.Status} {reply.Body}");
            }
        }
    }
}
