using System.Buffers;
using System.Runtime.CompilerServices;
using Orleans.LoadBalancer.Routing.Algorithms;

namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// An immutable, versioned view of the ring that the gateways route with. Lookups are allocation-free and thread-safe.
/// Replica indices returned by lookups index <see cref="Replicas"/>; -1 means "no replica".
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Routing.RoutingSnapshot")]
public sealed partial record RoutingSnapshot
{
    /// <summary>Up to this many replicas, the preference order's scratch space lives on the stack; beyond, in the shared pool.</summary>
    private const int StackReplicas = 256;

    [Id(0)] public long Version { get; init; }
    [Id(1)] public RoutingSettings Settings { get; init; } = new();

    /// <summary>In order of addition.</summary>
    [Id(2)] public RoutedReplica[] Replicas { get; init; } = [];

    /// <summary>Owner (replica index) per slot, Maglev entry, ring point or classic slot.</summary>
    [Id(3)] private ushort[] _table = [];

    /// <summary><c>ring</c>: the sorted point positions, parallel to the table.</summary>
    [Id(4)] private ulong[] _points = [];

    /// <summary>Per replica: the hash of its name, which seeds its rendezvous scores.</summary>
    [Id(5)] private ulong[] _seeds = [];

    [Id(6)] private double[] _shares = [];

    /// <summary>The algorithm's <see cref="LookupKind"/>, which lookups dispatch on.</summary>
    [Id(7)] private int _kind;

    /// <summary>
    /// Which ring this is: made once when the RingGrain creates a ring, kept in its storage. A snapshot of another ring
    /// (the cluster's storage was lost and the ring created anew) replaces the current one whatever its version.
    /// </summary>
    [Id(8)] public Guid RingId { get; init; }

    /// <summary>How many of <see cref="Replicas"/> are routable (up, not draining); counted once, when the snapshot is made.</summary>
    [Id(9)] private int _upCount;

    /// <summary>
    /// Which activation of the RingGrain published it: each activation stores a higher epoch before it publishes
    /// anything. Health changes are published before storage has them, so an activation that died with unstored versions
    /// and its successor, which starts again from the stored version, would otherwise publish two different snapshots
    /// under one version.
    /// </summary>
    [Id(10)] public long Epoch { get; init; }

    public static RoutingSnapshot Empty { get; } = new();

    private LookupKind Kind => (LookupKind)_kind;

    public int Count => Replicas.Length;

    public int UpCount => _upCount;

    /// <summary>
    /// Whether this snapshot should replace a holder's ring <paramref name="ringId"/> at <paramref name="epoch"/> and
    /// <paramref name="version"/>: a later epoch or version of the same ring, or any version of another ring (the old
    /// ring's replicas are gone with it).
    /// </summary>
    public bool Supersedes(Guid ringId, long epoch, long version) =>
        RingId != ringId || Epoch > epoch || (Epoch == epoch && Version > version);

    /// <summary>Whether this snapshot should replace <paramref name="current"/>.</summary>
    public bool Supersedes(RoutingSnapshot current) => Supersedes(current.RingId, current.Epoch, current.Version);

    /// <summary>Builds the lookup structure for <paramref name="table"/>; <paramref name="replicas"/> must name exactly the table's members.</summary>
    public static RoutingSnapshot Create(long version, RoutingTable table, IReadOnlyList<RoutedReplica> replicas)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(replicas);
        var byName = new Dictionary<string, RoutedReplica>(StringComparer.Ordinal);
        foreach (var replica in replicas)
        {
            if (!byName.TryAdd(replica.Name, replica))
            {
                throw new ArgumentException($"Replica '{replica.Name}' is given more than once", nameof(replicas));
            }
        }

        var names = table.Members;
        if (byName.Count != names.Count || names.Any(n => !byName.ContainsKey(n)))
        {
            throw new ArgumentException(
                $"The replicas ({string.Join(", ", byName.Keys)}) are not the table's members ({string.Join(", ", names)})", nameof(replicas));
        }

        // A table comes from storage or the wire too: check what Add and Remove would have guaranteed.
        table.Settings.Validate();
        if (table.Numbers.Length != names.Count)
        {
            throw new ArgumentException($"The table has {names.Count} members but {table.Numbers.Length} member numbers", nameof(table));
        }

        table.Settings.ThrowIfOverCapacity(names.Count, nameof(table));
        var weights = table.MemberWeights;
        if (table.Weights.Length is not 0 && table.Weights.Length != names.Count)
        {
            throw new ArgumentException($"The table has {names.Count} members but {table.Weights.Length} weights", nameof(table));
        }

        var policy = table.Settings.Policy;
        var lookup = policy.Build(table, weights);
        var ordered = names.Select((n, i) => byName[n].TableWeight == weights[i] ? byName[n] : byName[n] with { TableWeight = weights[i] }).ToArray();
        return new RoutingSnapshot
        {
            Version = version,
            Settings = table.Settings,
            Replicas = ordered,
            _kind = (int)policy.Lookup,
            _table = lookup.Owners,
            _points = lookup.Points,
            _seeds = names.Select(n => KeyHash.Hash(n)).ToArray(),
            _shares = lookup.Shares,
            _upCount = ordered.Count(r => r.IsRoutable),
        };
    }

    /// <summary>The key's position for this snapshot's algorithm (stable across processes).</summary>
    public ulong Hash(ReadOnlySpan<char> key) => Kind == LookupKind.Classic ? ClassicRing.RequestId(key) : KeyHash.Hash(key);

    /// <summary>The key's owner by the table alone (ignores health), or -1 when there are no replicas.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Owner(ulong hash)
    {
        if (Replicas.Length == 0)
        {
            return -1;
        }

        return Kind switch
        {
            LookupKind.Slots => _table[(int)Math.BigMul(hash, (ulong)_table.Length, out _)],
            LookupKind.Maglev => _table[(int)(hash % (ulong)_table.Length)],
            LookupKind.Ring => _table[KetamaRing.Find(_points, hash)],
            _ => _table[ClassicRing.RequestSlot(hash)],
        };
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with distinct replica indices in the key's preference order (owner first);
    /// returns how many were written. <c>ring</c>: the next distinct owners clockwise. Otherwise: the owner, then the
    /// others by rendezvous (highest random weight) order, ties to the lower index. Allocation-free: the N rendezvous
    /// scores are computed once, then each further replica is the next maximum, so k replicas cost N mixes and k passes.
    /// </summary>
    public int PreferenceOrder(ulong hash, Span<int> destination)
    {
        var count = Math.Min(destination.Length, Replicas.Length);
        if (count == 0)
        {
            return 0;
        }

        var replicas = Replicas.Length;
        bool[]? rentedTaken = null;
        ulong[]? rentedScores = null;
        var taken = replicas <= StackReplicas ? stackalloc bool[replicas] : (rentedTaken = ArrayPool<bool>.Shared.Rent(replicas)).AsSpan(0, replicas);
        try
        {
            taken.Clear();
            if (Kind == LookupKind.Ring)
            {
                return RingOrder(hash, destination[..count], taken);
            }

            destination[0] = Owner(hash);
            taken[destination[0]] = true;
            if (count == 1)
            {
                return 1;
            }

            var scores = replicas <= StackReplicas ? stackalloc ulong[replicas] : (rentedScores = ArrayPool<ulong>.Shared.Rent(replicas)).AsSpan(0, replicas);
            for (var i = 0; i < replicas; i++)
            {
                scores[i] = KeyHash.Mix(hash, _seeds[i]);
            }

            for (var written = 1; written < count; written++)
            {
                var best = -1;
                for (var i = 0; i < replicas; i++)
                {
                    if (!taken[i] && (best < 0 || scores[i] > scores[best]))
                    {
                        best = i;
                    }
                }

                taken[best] = true;
                destination[written] = best;
            }

            return count;
        }
        finally
        {
            if (rentedTaken is not null)
            {
                ArrayPool<bool>.Shared.Return(rentedTaken);
            }

            if (rentedScores is not null)
            {
                ArrayPool<ulong>.Shared.Return(rentedScores);
            }
        }
    }

    /// <summary>The first routable replica (<see cref="RoutedReplica.IsRoutable"/>) in the key's preference order, or -1.</summary>
    public int Route(ulong hash)
    {
        var owner = Owner(hash);
        if (owner < 0 || Replicas[owner].IsRoutable)
        {
            return owner;
        }

        return NextUp(hash, owner);
    }

    /// <summary>
    /// The bounded-load cap: a replica may take a request while its in-flight count is below
    /// max(⌈T/n⌉, ⌊c · T/n⌋), where T is the total in flight on the <paramref name="upReplicas"/> up replicas
    /// including the request being placed, and c is <paramref name="balanceFactor"/>.
    /// </summary>
    /// <remarks>
    /// Mirrokni, Thorup and Zadimoghaddam state the cap as ⌈c · mean⌉. Rounding up lets the busiest replica end above
    /// c · mean when few requests are in flight: with 4 up replicas, c = 1.25 and 4
    /// requests after admission, ⌈1.25⌉ = 2 lets one replica hold twice the mean although one each is possible.
    /// Rounding c · mean down keeps every replica that takes a request at or below c · mean after admission; the
    /// ⌈T/n⌉ floor applies only when no integer assignment can stay within c · mean (then the busiest replica holds at
    /// least ⌈T/n⌉ anyway), and it keeps the cap satisfiable: n replicas all at ⌈T/n⌉ or more would hold at least T,
    /// more than the T − 1 in flight before admission, so one of them is always below the cap.
    /// </remarks>
    public static long BoundedLoadCap(long totalAfterAdmission, int upReplicas, double balanceFactor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalAfterAdmission, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(upReplicas, 1);
        ValidateBalanceFactor(balanceFactor);
        var even = (totalAfterAdmission + upReplicas - 1) / upReplicas;
        var scaled = Math.Floor(balanceFactor * totalAfterAdmission / upReplicas);
        return scaled >= long.MaxValue ? long.MaxValue : Math.Max(even, (long)scaled);
    }

    /// <summary>
    /// The first replica after <paramref name="owner"/> in the key's preference order that is routable; -1 when none. One
    /// pass, no buffer: after the owner, the rendezvous order's first up replica is simply the up one with the highest
    /// score.
    /// </summary>
    private int NextUp(ulong hash, int owner)
    {
        if (Kind == LookupKind.Ring)
        {
            for (int i = KetamaRing.Find(_points, hash), steps = 0; steps < _table.Length; i = i + 1 == _table.Length ? 0 : i + 1, steps++)
            {
                if (Replicas[_table[i]].IsRoutable)
                {
                    return _table[i];
                }
            }

            return -1;
        }

        var best = -1;
        var bestScore = 0UL;
        for (var i = 0; i < Replicas.Length; i++)
        {
            if (i != owner && Replicas[i].IsRoutable)
            {
                var score = KeyHash.Mix(hash, _seeds[i]);
                if (best < 0 || score > bestScore)
                {
                    best = i;
                    bestScore = score;
                }
            }
        }

        return best;
    }

    /// <summary><c>ring</c>: the next distinct owners clockwise from the key.</summary>
    private int RingOrder(ulong hash, Span<int> destination, Span<bool> taken)
    {
        var written = 0;
        for (int i = KetamaRing.Find(_points, hash), steps = 0; written < destination.Length && steps < _table.Length; i = i + 1 == _table.Length ? 0 : i + 1, steps++)
        {
            if (!taken[_table[i]])
            {
                taken[_table[i]] = true;
                destination[written++] = _table[i];
            }
        }

        return written;
    }

    /// <summary>Each replica's exact share of the key space by the table (ignores health), indexed like <see cref="Replicas"/>.</summary>
    public double Share(int replicaIndex) => _shares[replicaIndex];

    /// <summary>The table's size in bytes as it crosses the wire (arrays only).</summary>
    public int TableBytes => (_table.Length * sizeof(ushort)) + (_points.Length * sizeof(ulong)) + (_seeds.Length * sizeof(ulong)) + (_shares.Length * sizeof(double));

    private static void ValidateBalanceFactor(double balanceFactor)
    {
        if (!(balanceFactor > 1))
        {
            throw new ArgumentOutOfRangeException(nameof(balanceFactor), balanceFactor, "The balance factor must be above 1");
        }
    }
}
