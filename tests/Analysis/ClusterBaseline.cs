namespace Orleans.LoadBalancer.Analysis;

/// <summary>
/// The routing algorithm and replica set the run found, and putting them back: what the run added is removed by
/// name, what it removed is added back by name.
/// </summary>
public sealed class ClusterBaseline
{
    private readonly GatewayClient _gateway;

    // Removed replicas whose names /add rejects come back under the closest accepted name.
    private readonly Dictionary<string, string?> _substitutes = new(StringComparer.Ordinal);

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
        var target = Names.Select(n => _substitutes.TryGetValue(n, out var s) ? s : n).OfType<string>().ToList();
        var missing = target.Except(current, StringComparer.Ordinal).ToList();
        var taken = new HashSet<string>(current.Concat(target), StringComparer.Ordinal);
        var additions = new List<string>();
        foreach (var name in missing)
        {
            if (ReplicaNameRule.IsAccepted(name))
            {
                additions.Add(name);
                continue;
            }

            var substitute = ReplicaNameRule.ClosestAccepted(name) is { } s && taken.Add(s) ? s : null;
            _substitutes[name] = substitute;
            if (substitute is not null)
            {
                additions.Add(substitute);
            }

            notes.Add(substitute is null
                ? $"`{name}` could not be added back: /add does not accept that name"
                : $"`{name}` could not be added back under its own name (/add does not accept it); `{substitute}` took its place");
        }

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
