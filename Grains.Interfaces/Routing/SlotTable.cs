namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// The <c>slots</c> algorithm's table, in the spirit of Redis Cluster's hash slots: M slots, each owned by one member
/// (by member number). Adding a member moves exactly its ⌊M/N⌋ or ⌈M/N⌉ slots to it, from the members above their new
/// share; removing one hands each of its slots back to the member it came from (a per-slot stack of previous owners),
/// so adding and then removing a member restores every slot. Counts never differ by more than one.
/// A working copy: load it from a <see cref="RoutingTable"/>, change it, and store the arrays in a new table.
/// </summary>
internal sealed class SlotTable
{
    private readonly int[] _owners;
    private readonly int[] _head;
    private readonly List<(int Owner, int Next)> _history;

    private SlotTable(int[] owners, int[] head, List<(int Owner, int Next)> history)
    {
        _owners = owners;
        _head = head;
        _history = history;
    }

    public static SlotTable Empty(int slots)
    {
        var head = new int[slots];
        Array.Fill(head, -1);
        return new SlotTable(new int[slots], head, []);
    }

    public static SlotTable Load(int[] owners, int[] head, int[] historyOwner, int[] historyNext) =>
        new((int[])owners.Clone(), (int[])head.Clone(), historyOwner.Zip(historyNext).ToList());

    public int[] Owners => _owners;

    public int[] Head => _head;

    public int[] HistoryOwner => _history.Select(h => h.Owner).ToArray();

    public int[] HistoryNext => _history.Select(h => h.Next).ToArray();

    /// <summary>Adds member <paramref name="number"/> to the members in <paramref name="present"/> (which must not contain it).</summary>
    public void Add(int number, IReadOnlyList<int> present)
    {
        if (present.Count == 0)
        {
            Array.Fill(_owners, number);
            return;
        }

        var members = present.Append(number).ToList();
        var counts = Counts(members);
        // Old members keep the larger shares (the largest first); the newcomer takes the rest.
        var targets = Targets(members.Where(m => m != number).OrderByDescending(m => counts[m]).ThenBy(m => m).Append(number).ToList());
        foreach (var donor in present.OrderByDescending(m => counts[m]).ThenBy(m => m))
        {
            var give = counts[donor] - targets[donor];
            if (give > 0)
            {
                Move(SlotsOf(donor, number).Take(give), number);
            }
        }
    }

    /// <summary>Removes member <paramref name="number"/>; <paramref name="remaining"/> are the members after it.</summary>
    public void Remove(int number, IReadOnlyList<int> remaining)
    {
        var mine = SlotsOf(number, salt: 0).ToList();
        if (remaining.Count == 0)
        {
            Array.Fill(_owners, 0);
            Array.Fill(_head, -1);
            _history.Clear();
            return;
        }

        var present = remaining.ToHashSet();
        var returns = new Dictionary<int, int>(mine.Count);
        foreach (var slot in mine)
        {
            returns[slot] = PopPresent(slot, present);
        }

        // Who gets the larger shares: those that will hold most once the slots have gone back.
        var tentative = Counts(remaining);
        foreach (var owner in returns.Values.Where(o => o != 0))
        {
            tentative[owner]++;
        }

        var targets = Targets(remaining.OrderByDescending(m => tentative[m]).ThenBy(m => m).ToList());
        var counts = Counts(remaining);
        var leftovers = new List<int>();
        foreach (var slot in mine)
        {
            var owner = returns[slot];
            if (owner != 0 && counts[owner] < targets[owner])
            {
                _owners[slot] = owner;
                counts[owner]++;
            }
            else
            {
                leftovers.Add(slot);
            }
        }

        // Slots with no previous owner left (or whose owner is full) go to the smallest members.
        var needy = remaining.Where(m => counts[m] < targets[m]).OrderBy(m => counts[m]).ThenBy(m => m).ToList();
        var taker = 0;
        foreach (var slot in leftovers)
        {
            while (counts[needy[taker]] >= targets[needy[taker]])
            {
                taker++;
            }

            _owners[slot] = needy[taker];
            counts[needy[taker]]++;
        }

        CompactHistory(present);
    }

    private void Move(IEnumerable<int> slots, int to)
    {
        foreach (var slot in slots)
        {
            _history.Add((_owners[slot], _head[slot]));
            _head[slot] = _history.Count - 1;
            _owners[slot] = to;
        }
    }

    /// <summary>The slot's most recent previous owner that is still present (0 when none), dropping the others.</summary>
    private int PopPresent(int slot, HashSet<int> present)
    {
        while (_head[slot] >= 0)
        {
            var (owner, next) = _history[_head[slot]];
            _head[slot] = next;
            if (present.Contains(owner))
            {
                return owner;
            }
        }

        return 0;
    }

    /// <summary>A member's slots in an order spread over the slot space, different for each <paramref name="salt"/>.</summary>
    private IEnumerable<int> SlotsOf(int member, int salt)
    {
        var slots = new List<int>();
        for (var slot = 0; slot < _owners.Length; slot++)
        {
            if (_owners[slot] == member)
            {
                slots.Add(slot);
            }
        }

        if (salt == 0)
        {
            return slots;
        }

        var keys = slots.Select(s => KeyHash.Mix((ulong)s, (ulong)salt)).ToArray();
        var ordered = slots.ToArray();
        Array.Sort(keys, ordered);
        return ordered;
    }

    private Dictionary<int, int> Counts(IEnumerable<int> members)
    {
        var counts = members.ToDictionary(m => m, _ => 0);
        foreach (var owner in _owners)
        {
            if (counts.ContainsKey(owner))
            {
                counts[owner]++;
            }
        }

        return counts;
    }

    /// <summary>⌈M/N⌉ for the first M mod N members in <paramref name="ranked"/>, ⌊M/N⌋ for the rest.</summary>
    private Dictionary<int, int> Targets(IReadOnlyList<int> ranked)
    {
        var quotient = _owners.Length / ranked.Count;
        var remainder = _owners.Length % ranked.Count;
        return ranked.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => quotient + (x.i < remainder ? 1 : 0));
    }

    /// <summary>Drops history entries of members that are gone once the history has grown large.</summary>
    private void CompactHistory(HashSet<int> present)
    {
        if (_history.Count <= 4 * _owners.Length)
        {
            return;
        }

        var old = _history.ToArray();
        _history.Clear();
        for (var slot = 0; slot < _head.Length; slot++)
        {
            var chain = new List<int>();
            for (var entry = _head[slot]; entry >= 0; entry = old[entry].Next)
            {
                if (present.Contains(old[entry].Owner))
                {
                    chain.Add(old[entry].Owner);
                }
            }

            var head = -1;
            for (var i = chain.Count - 1; i >= 0; i--)
            {
                _history.Add((chain[i], head));
                head = _history.Count - 1;
            }

            _head[slot] = head;
        }
    }
}
