using System.Globalization;

namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The original assignment's ring, bit for bit: M = 512 slots, K = 9 virtual servers per server,
/// request slot H(i) = i² + 2i + 17 mod 512, virtual-server slot Φ(n, j) = n² + j² + 2j + 25 mod 512 for server
/// number n (1, 2, 3… in order of addition) and j = 0…8, linear probing on collisions, and a request goes to the
/// nearest virtual server clockwise. It is badly unbalanced; it exists to reproduce the assignment's analysis.
/// </summary>
internal static class ClassicRing
{
    public const int Slots = 512;
    public const int VirtualServers = 9;

    /// <summary>Servers that fit: every virtual server needs a slot of its own.</summary>
    public const int Capacity = Slots / VirtualServers;

    /// <summary>
    /// The request id a key stands for: the key itself when it is a non-negative integer of up to 18 digits, otherwise
    /// the key's XxHash3 modulo 1,000,000 (a 6-digit-like id, as the seed's clients send).
    /// </summary>
    public static ulong RequestId(ReadOnlySpan<char> key) =>
        key.Length is > 0 and <= 18 && IsDigits(key) && ulong.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : KeyHash.Hash(key) % 1_000_000;

    /// <summary>H(i) = i² + 2i + 17 mod 512, computed without overflow.</summary>
    public static int RequestSlot(ulong requestId)
    {
        var r = requestId % Slots;
        return (int)((r * r + 2 * r + 17) % Slots);
    }

    /// <summary>Φ(n, j) = n² + j² + 2j + 25 mod 512.</summary>
    public static int VirtualServerSlot(long serverNumber, int j)
    {
        var n = serverNumber % Slots;
        return (int)((n * n + j * j + 2 * j + 25) % Slots);
    }

    /// <summary>Owner (replica index) of every request slot, for servers with the given numbers; -1 when empty.</summary>
    public static ushort[] Build(IReadOnlyList<int> serverNumbers)
    {
        if (serverNumbers.Count > Capacity)
        {
            throw new ArgumentException($"The classic ring holds at most {Capacity} servers ({VirtualServers} virtual servers each in {Slots} slots), not {serverNumbers.Count}");
        }

        var occupant = new int[Slots];
        Array.Fill(occupant, -1);
        for (var index = 0; index < serverNumbers.Count; index++)
        {
            for (var j = 0; j < VirtualServers; j++)
            {
                var slot = VirtualServerSlot(serverNumbers[index], j);
                while (occupant[slot] >= 0)
                {
                    slot = (slot + 1) % Slots;
                }

                occupant[slot] = index;
            }
        }

        var owners = new ushort[Slots];
        if (serverNumbers.Count == 0)
        {
            return owners;
        }

        // Walk backwards twice round the ring so every slot learns the nearest occupied slot clockwise.
        var next = -1;
        for (var step = 2 * Slots - 1; step >= 0; step--)
        {
            var slot = step % Slots;
            if (occupant[slot] >= 0)
            {
                next = occupant[slot];
            }

            owners[slot] = (ushort)next;
        }

        return owners;
    }

    /// <summary>Each replica's share of the 900,000 six-digit request ids 100000–999999.</summary>
    public static double[] Shares(ushort[] owners, int replicas)
    {
        var shares = new double[replicas];
        if (replicas == 0)
        {
            return shares;
        }

        for (var residue = 0; residue < Slots; residue++)
        {
            // How many ids in [100000, 999999] are ≡ residue (mod 512).
            long Count(long upTo) => upTo < residue ? 0 : ((upTo - residue) / Slots) + 1;
            var ids = Count(999_999) - Count(99_999);
            shares[owners[RequestSlot((ulong)residue)]] += ids / 900_000.0;
        }

        return shares;
    }

    private static bool IsDigits(ReadOnlySpan<char> key)
    {
        foreach (var c in key)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
