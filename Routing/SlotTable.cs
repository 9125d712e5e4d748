using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The <c>slots</c> algorithm's table, in the spirit of Redis Cluster's hash slots: M slots, each owned by one member
/// (by member number), each member with a table weight w: it holds ⌊M·w/W⌋ or ⌈M·w/W⌉ slots (W the sum of weights).
/// Adding a member moves exactly its share to it, from the members above their new share; removing one hands each of
/// its slots back to the member it came from (a per-slot stack of previous owners, entry index = time), so adding and
/// then removing a member restores every slot. A weight change moves slots only between that member and the others,
/// preferring to undo the most recent moves.
/// A working copy: load it from a <see cref="RoutingTable"/>, change it, and store the arrays in a new table. The
/// previous owners are its <see cref="SlotHistory"/>.
/// </summary>
internal sealed class SlotTable
{
    /// <summary>Compaction runs once the history holds more than this many entries per slot.</summary>
    private const int CompactAbove = 4;

    private readonly int[] _owners;
    private readonly SlotHistory _history;

    private SlotTable(int[] owners, SlotHistory history)
    {
        _owners = owners;
        _history = history;
    }

    public static SlotTable Empty(int slots) => new(new int[slots], SlotHistory.Empty(slots));

    public static SlotTable Load(int[] owners, int[] head, int[] historyOwner, int[] historyNext)
    {
        if (head.Length != owners.Length || historyNext.Length != historyOwner.Length)
        {
            throw new ArgumentException(
                $"Inconsistent slot table: {owners.Length} owners, {head.Length} history heads, {historyOwner.Length} history owners, {historyNext.Length} history links");
        }

        return new SlotTable(Copy(owners), SlotHistory.Load(head, historyOwner, historyNext));
    }

    public int[] Owners => _owners;

    public int[] Head => _history.Head;

    public int[] HistoryOwner => _history.Owner;

    public int[] HistoryNext => _history.Next;

    public int HistoryCount => _history.Count;

    /// <summary>
    /// Adds member <paramref name="number"/> with table weight <paramref name="weight"/> to the members in
    /// <paramref name="present"/> (which must not contain it), whose table weights are <paramref name="weights"/>.
    /// Slots move only to the newcomer.
    /// </summary>
    public void Add(int number, int weight, ReadOnlySpan<int> present, ReadOnlySpan<int> weights)
    {
        if (present.IsEmpty)
        {
            Array.Fill(_owners, number);
            return;
        }

        int[] members = [.. present, number];
        int[] all = [.. weights, weight];
        var index = new MemberIndex(members);
        var counts = Count(index, members.Length);

        // Old members keep the larger shares (those furthest above their new share first); the newcomer comes after them.
        Rebalance(index, members, counts, Targets(all, counts, members, changed: members.Length - 1, growing: true, tentative: null));
    }

    /// <summary>
    /// Changes the table weight of member <paramref name="number"/> (one of <paramref name="members"/>, whose current
    /// table weights are <paramref name="weights"/>) to <paramref name="weight"/>. Slots move only between it and the
    /// others, never between two others, except where no rounding allows that (one slot now and then when shares change
    /// by less than about one slot each).
    /// </summary>
    public void Reweight(int number, int weight, ReadOnlySpan<int> members, ReadOnlySpan<int> weights, ref int mark)
    {
        var index = new MemberIndex(members);
        var changed = index.Of(number);
        if (changed < 0)
        {
            ThrowNotMember(number);
        }

        var growing = weight > weights[changed];
        int[] all = [.. weights];
        all[changed] = weight;
        var counts = Count(index, members.Length);
        Rebalance(index, members.ToArray(), counts, Targets(all, counts, members, changed, growing, tentative: null));
        CompactHistory(index, members.Length, ref mark);
    }

    /// <summary>
    /// Undoes every move made since history entry <paramref name="mark"/> (one change whose moves each pushed one entry
    /// on a slot that had not moved since): each such slot goes back to its previous owner, and the entries are dropped.
    /// </summary>
    public void Revert(int mark)
    {
        for (var slot = 0; slot < _owners.Length; slot++)
        {
            var entry = _history.Latest(slot);
            if (entry >= mark)
            {
                if (_history.Before(entry) >= mark)
                {
                    throw new InvalidOperationException($"Slot {slot} moved more than once since history entry {mark}; the change cannot be reverted");
                }

                _owners[slot] = _history.Pop(slot);
            }
        }

        _history.Truncate(mark);
    }

    /// <summary>
    /// Removes member <paramref name="number"/>; <paramref name="remaining"/> are the members after it, with table weights
    /// <paramref name="weights"/>.
    /// </summary>
    public void Remove(int number, ReadOnlySpan<int> remaining, ReadOnlySpan<int> weights)
    {
        if (remaining.IsEmpty)
        {
            Array.Fill(_owners, 0);
            _history.Clear();
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
                returns[m++] = _history.PopPresent(slot, index);
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

        var targets = Targets(weights, counts, remaining, changed: -1, growing: false, tentative);
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

        // Where rounding makes a remaining member hold more than its new ceiling (a weight so small that its share barely
        // changed), the surplus goes to those still below their target.
        Rebalance(index, remaining.ToArray(), counts, targets);

        var unmarked = -1;
        CompactHistory(index, members, ref unmarked);
    }

    /// <summary>
    /// Each member's slot count for the table weights: ⌊M·w/W⌋, and one more for as many members as the division leaves
    /// over. Who gets one more: first the members that hold more than ⌊M·w/W⌋ now (those furthest above first), so that
    /// they need not give a slot they could keep; then the member whose weight changed (<paramref name="changed"/>);
    /// then the rest, by <paramref name="tentative"/> counts when given (what they will hold once removed slots have gone
    /// back), by the division's remainder, then by member number. With <paramref name="growing"/> (a member joins or
    /// gains weight) a pick from the rest would make an unchanged member take a slot from another; that happens only
    /// when no other choice keeps every count at ⌊M·w/W⌋ or ⌈M·w/W⌉.
    /// </summary>
    private int[] Targets(ReadOnlySpan<int> weights, int[] counts, ReadOnlySpan<int> numbers, int changed, bool growing, int[]? tentative)
    {
        var members = weights.Length;
        long total = 0;
        foreach (var weight in weights)
        {
            total += weight;
        }

        var targets = new int[members];
        var remainders = new long[members];
        var left = _owners.Length;
        var candidates = new List<int>(members);
        for (var i = 0; i < members; i++)
        {
            var product = (long)_owners.Length * weights[i];
            targets[i] = (int)(product / total);
            remainders[i] = product % total;
            left -= targets[i];
            if (remainders[i] > 0)
            {
                candidates.Add(i);
            }
        }

        if (left == 0)
        {
            return targets;
        }

        int Group(int i) => i == changed ? 1 : counts[i] > targets[i] ? 0 : 2;
        var floors = targets;
        var numberOf = numbers.ToArray();
        var order = candidates.ToArray();
        Array.Sort(order, (a, b) =>
        {
            var group = Group(a).CompareTo(Group(b));
            if (group != 0)
            {
                return group;
            }

            var held = tentative is not null && Group(a) == 2 ? tentative : counts;
            var above = (held[b] - floors[b]).CompareTo(held[a] - floors[a]);
            if (above != 0 && !(growing && Group(a) == 2))
            {
                return above;
            }

            var remainder = remainders[b].CompareTo(remainders[a]);
            return remainder != 0 ? remainder : numberOf[a].CompareTo(numberOf[b]);
        });

        for (var i = 0; i < left; i++)
        {
            targets[order[i]]++;
        }

        return targets;
    }

    /// <summary>
    /// Moves slots from the members above their target to those below it: first slots whose most recent previous owner
    /// is a member below its target (most recent first), so that a move undoes an earlier one where it can; then slots
    /// spread over each giving member's range from an offset particular to the pair. Every move pushes one history entry.
    /// </summary>
    private void Rebalance(MemberIndex index, int[] members, int[] counts, int[] targets)
    {
        var excess = new int[members.Length];
        var need = new int[members.Length];
        var moving = 0;
        for (var i = 0; i < members.Length; i++)
        {
            excess[i] = Math.Max(0, counts[i] - targets[i]);
            need[i] = Math.Max(0, targets[i] - counts[i]);
            moving += excess[i];
        }

        if (moving == 0)
        {
            return;
        }

        _history.Reserve(moving);
        moving -= UndoFirst(index, members, excess, need);
        if (moving == 0)
        {
            return;
        }

        var held = new int[members.Length];
        var start = new int[members.Length + 1];
        BucketByOwner(index, held, start, out var buckets);
        var receiver = 0;
        for (var donor = 0; donor < members.Length; donor++)
        {
            if (excess[donor] == 0)
            {
                continue;
            }

            // The donor's slots in slot order; each pair's share spread over those still left.
            var left = buckets.AsSpan(start[donor], held[donor]).ToArray();
            var size = left.Length;
            while (excess[donor] > 0)
            {
                while (need[receiver] == 0)
                {
                    receiver++;
                }

                var give = Math.Min(excess[donor], need[receiver]);
                var offset = (int)(KeyHash.Mix((ulong)(uint)members[receiver], (ulong)(uint)members[donor]) % (ulong)size);
                for (var j = 0; j < give; j++)
                {
                    var at = offset + (int)((long)j * size / give);
                    at = at >= size ? at - size : at;
                    Move(left[at], members[receiver]);
                    left[at] = -1;
                }

                excess[donor] -= give;
                need[receiver] -= give;
                if (excess[donor] > 0)
                {
                    left = Array.FindAll(left[..size], slot => slot >= 0);
                    size = left.Length;
                }
            }
        }

        ArrayPool<int>.Shared.Return(buckets);
    }

    /// <summary>Moves the slots whose most recent previous owner wants slots back to it, most recent moves first; returns how many moved.</summary>
    private int UndoFirst(MemberIndex index, int[] members, int[] excess, int[] need)
    {
        if (_history.Count == 0)
        {
            return 0;
        }

        var entries = new List<long>();
        for (var slot = 0; slot < _owners.Length; slot++)
        {
            var entry = _history.Latest(slot);
            if (entry < 0 || excess[Member(index, _owners[slot])] == 0)
            {
                continue;
            }

            var back = index.Of(_history.OwnerAt(entry));
            if (back >= 0 && need[back] > 0)
            {
                entries.Add(((long)entry << 32) | (uint)slot);
            }
        }

        entries.Sort();
        var moved = 0;
        for (var i = entries.Count - 1; i >= 0; i--)
        {
            var slot = (int)(uint)entries[i];
            var donor = Member(index, _owners[slot]);
            var back = index.Of(_history.OwnerAt(_history.Latest(slot)));
            if (excess[donor] > 0 && need[back] > 0)
            {
                Move(slot, members[back]);
                excess[donor]--;
                need[back]--;
                moved++;
            }
        }

        return moved;
    }

    private int[] Count(MemberIndex index, int members)
    {
        var counts = new int[members];
        foreach (var owner in _owners)
        {
            counts[Member(index, owner)]++;
        }

        return counts;
    }

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
    internal static int[] Copy(ReadOnlySpan<int> source)
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

    /// <summary>Gives <paramref name="slot"/> to <paramref name="to"/>, remembering its owner until now.</summary>
    private void Move(int slot, int to)
    {
        _history.Push(slot, _owners[slot]);
        _owners[slot] = to;
    }

    /// <summary>Once the history holds more than <see cref="CompactAbove"/> entries per slot: see <see cref="SlotHistory.Compact"/>.</summary>
    private void CompactHistory(MemberIndex present, int members, ref int mark)
    {
        if (_history.Count > CompactAbove * _owners.Length)
        {
            _history.Compact(_owners, present, members, ref mark);
        }
    }
}
