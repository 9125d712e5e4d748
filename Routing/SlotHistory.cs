namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The <c>slots</c> table's memory of previous owners: per slot a stack of the owners it had, as linked entries (the
/// slot's head, then each entry's owner and next), entry index = time. It is what lets removing a member give every
/// slot back and a weight change undo the most recent moves first.
/// Entries are never rewritten once stored (popping only moves a slot's head), so loaded arrays are shared with the
/// table they came from until a push appends to them or compaction rebuilds them.
/// </summary>
internal sealed class SlotHistory
{
    /// <summary>Previous owners compaction keeps per slot: the most recent distinct ones still present.</summary>
    private const int KeptPerSlot = 3;

    private readonly int[] _head;
    private int[] _owner;
    private int[] _next;
    private int _count;

    /// <summary>False while the entry arrays are still the loaded table's, which must not be written.</summary>
    private bool _owned;

    private SlotHistory(int[] head, int[] owner, int[] next)
    {
        _head = head;
        _owner = owner;
        _next = next;
        _count = owner.Length;
    }

    public static SlotHistory Empty(int slots)
    {
        var head = new int[slots];
        Array.Fill(head, -1);
        return new SlotHistory(head, [], []);
    }

    /// <summary>The stored arrays; the heads are copied (they change), the entries shared until written.</summary>
    public static SlotHistory Load(int[] head, int[] owner, int[] next) => new(SlotTable.Copy(head), owner, next);

    public int[] Head => _head;

    public int[] Owner => _owner.Length == _count ? _owner : _owner[.._count];

    public int[] Next => _next.Length == _count ? _next : _next[.._count];

    /// <summary>How many entries there are; the next one pushed gets this index.</summary>
    public int Count => _count;

    /// <summary>The slot's most recent entry, or -1 when it has none.</summary>
    public int Latest(int slot) => _head[slot];

    /// <summary>The owner the slot had before the move that made <paramref name="entry"/>.</summary>
    public int OwnerAt(int entry) => _owner[entry];

    /// <summary>The entry before <paramref name="entry"/> on its slot, or -1.</summary>
    public int Before(int entry) => _next[entry];

    /// <summary>
    /// Room for <paramref name="entries"/> more entries. The first growth is exact, so that a single add stores its
    /// arrays as they are; later ones double, so that a batch of adds copies the history only a few times.
    /// </summary>
    public void Reserve(int entries)
    {
        var needed = _count + entries;
        if (_owned && needed <= _owner.Length)
        {
            return;
        }

        var capacity = _owned ? Math.Max(needed, 2 * _owner.Length) : needed;
        var owner = GC.AllocateUninitializedArray<int>(capacity);
        var next = GC.AllocateUninitializedArray<int>(capacity);
        _owner.AsSpan(0, _count).CopyTo(owner);
        _next.AsSpan(0, _count).CopyTo(next);
        _owner = owner;
        _next = next;
        _owned = true;
    }

    /// <summary>Records that <paramref name="slot"/> leaves <paramref name="owner"/> (room reserved beforehand).</summary>
    public void Push(int slot, int owner)
    {
        _owner[_count] = owner;
        _next[_count] = _head[slot];
        _head[slot] = _count++;
    }

    /// <summary>Drops the slot's most recent entry and returns the owner it names.</summary>
    public int Pop(int slot)
    {
        var entry = _head[slot];
        _head[slot] = _next[entry];
        return _owner[entry];
    }

    /// <summary>The slot's most recent previous owner still present (as a position in the index; -1 when none), dropping the others.</summary>
    public int PopPresent(int slot, MemberIndex present)
    {
        while (_head[slot] >= 0)
        {
            var member = present.Of(Pop(slot));
            if (member >= 0)
            {
                return member;
            }
        }

        return -1;
    }

    /// <summary>Forgets the entries from <paramref name="mark"/> on, which no slot may still name.</summary>
    public void Truncate(int mark) => _count = Math.Min(_count, mark);

    /// <summary>Forgets everything: no slot has a previous owner.</summary>
    public void Clear()
    {
        Array.Fill(_head, -1);
        _owner = [];
        _next = [];
        _count = 0;
        _owned = false;
    }

    /// <summary>
    /// Keeps, per slot, the <see cref="KeptPerSlot"/> most recent distinct previous owners that are still members (and
    /// not the slot's owner in <paramref name="owners"/>), in the order they were made, so that "most recent" still
    /// holds across slots. <paramref name="mark"/> (an entry index, or -1) becomes its index after compaction.
    /// </summary>
    public void Compact(int[] owners, MemberIndex present, int members, ref int mark)
    {
        var keep = new bool[_count];
        var seen = new int[members];
        Array.Fill(seen, -1);
        for (var slot = 0; slot < _head.Length; slot++)
        {
            var owner = present.Of(owners[slot]);
            var kept = 0;
            for (var entry = _head[slot]; entry >= 0 && kept < KeptPerSlot; entry = _next[entry])
            {
                var member = present.Of(_owner[entry]);
                if (member >= 0 && member != owner && seen[member] != slot)
                {
                    seen[member] = slot;
                    keep[entry] = true;
                    kept++;
                }
            }
        }

        var renumber = new int[_count];
        var count = 0;
        for (var entry = 0; entry < _count; entry++)
        {
            if (entry == mark)
            {
                mark = count;
            }

            renumber[entry] = keep[entry] ? count++ : -1;
        }

        if (mark >= _count)
        {
            mark = count;
        }

        var historyOwner = new int[count];
        var historyNext = new int[count];
        for (var slot = 0; slot < _head.Length; slot++)
        {
            var previous = -1;
            var head = -1;
            for (var entry = _head[slot]; entry >= 0; entry = _next[entry])
            {
                if (!keep[entry])
                {
                    continue;
                }

                var at = renumber[entry];
                historyOwner[at] = _owner[entry];
                historyNext[at] = -1;
                if (previous >= 0)
                {
                    historyNext[previous] = at;
                }
                else
                {
                    head = at;
                }

                previous = at;
            }

            _head[slot] = head;
        }

        _owner = historyOwner;
        _next = historyNext;
        _count = count;
        _owned = true;
    }
}
