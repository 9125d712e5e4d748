using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The <c>slots</c> algorithm's table, in the spirit of Redis Cluster's hash slots: M slots, each owned by one member
/// (by member number). Adding a member moves exactly its ⌊M/N⌋ slots to it, from the members above their new share;
/// removing one hands each of its slots back to the member it came from (a per-slot stack of previous owners), so
/// adding and then removing a member restores every slot. Counts never differ by more than one.
/// A working copy: load it from a <see cref="RoutingTable"/>, change it, and store the arrays in a new table.
/// History entries are never rewritten once stored (removals only move a slot's head), so a loaded history is shared
/// with the table it came from until an add appends to it or compaction rebuilds it.
/// </summary>
internal sealed class SlotTable
{
    private readonly int[] _owners;
    private readonly int[] _head;
    private int[] _historyOwner;
    private int[] _historyNext;
    private int _historyCount;

    /// <summary>False while the history arrays are still the loaded table's, which must not be written.</summary>
    private bool _historyOwned;

    private SlotTable(int[] owners, int[] head, int[] historyOwner, int[] historyNext)
    {
        _owners = owners;
        _head = head;
        _historyOwner = historyOwner;
        _historyNext = historyNext;
        _historyCount = historyOwner.Length;
    }

    public static SlotTable Empty(int slots)
    {
        var head = new int[slots];
        Array.Fill(head, -1);
        return new SlotTable(new int[slots], head, [], []);
    }

    public static SlotTable Load(int[] owners, int[] head, int[] historyOwner, int[] historyNext)
    {
        if (head.Length != owners.Length || historyNext.Length != historyOwner.Length)
        {
            throw new ArgumentException(
                $"Inconsistent slot table: {owners.Length} owners, {head.Length} history heads, {historyOwner.Length} history owners, {historyNext.Length} history links");
        }

        return new SlotTable(Copy(owners), Copy(head), historyOwner, historyNext);
    }

    public int[] Owners => _owners;

    public int[] Head => _head;

    public int[] HistoryOwner => _historyOwner.Length == _historyCount ? _historyOwner : _historyOwner[.._historyCount];

    public int[] HistoryNext => _historyNext.Length == _historyCount ? _historyNext : _historyNext[.._historyCount];

    /// <summary>Adds member <paramref name="number"/> to the members in <paramref name="present"/> (which must not contain it).</summary>
    public void Add(int number, ReadOnlySpan<int> present)
    {
        if (present.IsEmpty)
        {
            Array.Fill(_owners, number);
            return;
        }

        var members = present.Length;
        var index = new MemberIndex(present);
        var counts = new int[members];
        var start = new int[members + 1];
        BucketByOwner(index, counts, start, out var buckets);

        // Old members keep the larger shares (the largest first); the newcomer, ranked last, takes ⌊M/(N+1)⌋.
        var ranked = Ranked(present, counts);
        var quotient = _owners.Length / (members + 1);
        var remainder = _owners.Length % (members + 1);
        var moving = 0;
        for (var rank = 0; rank < members; rank++)
        {
            moving += counts[ranked[rank]] - Target(rank, quotient, remainder);
        }

        Reserve(moving);
        for (var rank = 0; rank < members; rank++)
        {
            var donor = ranked[rank];
            var give = counts[donor] - Target(rank, quotient, remainder);
            if (give <= 0)
            {
                continue;
            }

            // Spread the slots given over the donor's range of slots, from an offset particular to the pair.
            var size = counts[donor];
            var offset = (int)(KeyHash.Mix((ulong)(uint)number, (ulong)(uint)present[donor]) % (ulong)size);
            for (var j = 0; j < give; j++)
            {
                var at = offset + (int)((long)j * size / give);
                Move(buckets[start[donor] + (at >= size ? at - size : at)], number);
            }
        }

        ArrayPool<int>.Shared.Return(buckets);
    }

    /// <summary>Removes member <paramref name="number"/>; <paramref name="remaining"/> are the members after it.</summary>
    public void Remove(int number, ReadOnlySpan<int> remaining)
    {
        if (remaining.IsEmpty)
        {
            Array.Fill(_owners, 0);
            Array.Fill(_head, -1);
            _historyOwner = [];
            _historyNext = [];
            _historyCount = 0;
            _historyOwned = false;
            return;
        }

        var members = remaining.Length;
        var index = new MemberIndex(remaining);
        var counts = new int[members];
        var mineCount = 0;
        foreach (var owner in _owners)
        {
            if (owner == number)
            {
                mineCount++;
            }
            else
            {
                counts[Member(index, owner)]++;
            }
        }

        var mine = new int[mineCount];
        var returns = new int[mineCount];
        for (int slot = 0, m = 0; m < mineCount; slot++)
        {
            if (_owners[slot] == number)
            {
                mine[m] = slot;
                returns[m++] = PopPresent(slot, index);
            }
        }

        // Who gets the larger shares: those that will hold most once the slots have gone back.
        var tentative = (int[])counts.Clone();
        foreach (var owner in returns)
        {
            if (owner >= 0)
            {
                tentative[owner]++;
            }
        }

        var ranked = Ranked(remaining, tentative);
        var quotient = _owners.Length / members;
        var remainder = _owners.Length % members;
        var targets = new int[members];
        for (var rank = 0; rank < members; rank++)
        {
            targets[ranked[rank]] = Target(rank, quotient, remainder);
        }

        var leftovers = 0;
        for (var m = 0; m < mineCount; m++)
        {
            var owner = returns[m];
            if (owner >= 0 && counts[owner] < targets[owner])
            {
                _owners[mine[m]] = remaining[owner];
                counts[owner]++;
            }
            else
            {
                mine[leftovers++] = mine[m];
            }
        }

        // Slots with no previous owner left (or whose owner is full) go to the smallest members.
        if (leftovers > 0)
        {
            var needy = Ranked(remaining, counts, largestFirst: false);
            var taker = 0;
            for (var m = 0; m < leftovers; m++)
            {
                while (counts[needy[taker]] >= targets[needy[taker]])
                {
                    taker++;
                }

                _owners[mine[m]] = remaining[needy[taker]];
                counts[needy[taker]]++;
            }
        }

        CompactHistory(index);
    }

    private static int Target(int rank, int quotient, int remainder) => quotient + (rank < remainder ? 1 : 0);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Member(MemberIndex index, int owner)
    {
        var member = index.Of(owner);
        if (member < 0)
        {
            ThrowNotMember(owner);
        }

        return member;
    }

    [DoesNotReturn]
    private static void ThrowNotMember(int owner) => throw new InvalidOperationException($"Slot owner {owner} is not a member of the table");

    /// <summary>A copy without first zeroing the new array (the tables are large enough for that to show).</summary>
    private static int[] Copy(ReadOnlySpan<int> source)
    {
        var copy = GC.AllocateUninitializedArray<int>(source.Length);
        source.CopyTo(copy);
        return copy;
    }

    /// <summary>Member positions by count, largest first unless told otherwise; ties by member number, lowest first.</summary>
    private static int[] Ranked(ReadOnlySpan<int> numbers, int[] counts, bool largestFirst = true)
    {
        var ranked = new int[numbers.Length];
        var keys = new long[numbers.Length];
        for (var i = 0; i < ranked.Length; i++)
        {
            ranked[i] = i;
            keys[i] = ((long)(largestFirst ? -counts[i] : counts[i]) << 32) + (uint)numbers[i];
        }

        Array.Sort(keys, ranked);
        return ranked;
    }

    /// <summary>
    /// A counting sort of the slots by owner: each member's slots, in slot order, from <c>start[member]</c> in
    /// <paramref name="buckets"/> (rented: return it to the shared pool).
    /// </summary>
    private void BucketByOwner(MemberIndex index, int[] counts, int[] start, out int[] buckets)
    {
        foreach (var owner in _owners)
        {
            counts[Member(index, owner)]++;
        }

        for (var i = 0; i < counts.Length; i++)
        {
            start[i + 1] = start[i] + counts[i];
        }

        buckets = ArrayPool<int>.Shared.Rent(_owners.Length);
        var fill = start[..^1];
        for (var slot = 0; slot < _owners.Length; slot++)
        {
            buckets[fill[index.Of(_owners[slot])]++] = slot;
        }
    }

    /// <summary>
    /// Room for <paramref name="entries"/> more history entries. The first growth is exact, so that a single add stores
    /// its arrays as they are; later ones double, so that a batch of adds copies the history only a few times.
    /// </summary>
    private void Reserve(int entries)
    {
        var needed = _historyCount + entries;
        if (_historyOwned && needed <= _historyOwner.Length)
        {
            return;
        }

        var capacity = _historyOwned ? Math.Max(needed, 2 * _historyOwner.Length) : needed;
        var owner = GC.AllocateUninitializedArray<int>(capacity);
        var next = GC.AllocateUninitializedArray<int>(capacity);
        _historyOwner.AsSpan(0, _historyCount).CopyTo(owner);
        _historyNext.AsSpan(0, _historyCount).CopyTo(next);
        _historyOwner = owner;
        _historyNext = next;
        _historyOwned = true;
    }

    private void Move(int slot, int to)
    {
        _historyOwner[_historyCount] = _owners[slot];
        _historyNext[_historyCount] = _head[slot];
        _head[slot] = _historyCount++;
        _owners[slot] = to;
    }

    /// <summary>The slot's most recent previous owner still present (as a position in the index; -1 when none), dropping the others.</summary>
    private int PopPresent(int slot, MemberIndex present)
    {
        while (_head[slot] >= 0)
        {
            var entry = _head[slot];
            _head[slot] = _historyNext[entry];
            var member = present.Of(_historyOwner[entry]);
            if (member >= 0)
            {
                return member;
            }
        }

        return -1;
    }

    /// <summary>Drops history entries of members that are gone once the history has grown large.</summary>
    private void CompactHistory(MemberIndex present)
    {
        if (_historyCount <= 4 * _owners.Length)
        {
            return;
        }

        var owner = new List<int>(_owners.Length);
        var next = new List<int>(_owners.Length);
        var chain = new List<int>();
        for (var slot = 0; slot < _head.Length; slot++)
        {
            chain.Clear();
            for (var entry = _head[slot]; entry >= 0; entry = _historyNext[entry])
            {
                if (present.Of(_historyOwner[entry]) >= 0)
                {
                    chain.Add(_historyOwner[entry]);
                }
            }

            var head = -1;
            for (var i = chain.Count - 1; i >= 0; i--)
            {
                owner.Add(chain[i]);
                next.Add(head);
                head = owner.Count - 1;
            }

            _head[slot] = head;
        }

        _historyOwner = [.. owner];
        _historyNext = [.. next];
        _historyCount = _historyOwner.Length;
        _historyOwned = true;
    }
}
