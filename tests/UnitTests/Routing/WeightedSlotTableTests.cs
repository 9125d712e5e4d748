using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>
/// The <c>slots</c> table with weights, property style over seeded random tables: counts at ⌊M·w/W⌋ or ⌈M·w/W⌉, weight
/// changes that move slots only between the changed replica and the others, exact restores, bounded history.
/// </summary>
public sealed class WeightedSlotTableTests
{
    private const int Scale = RoutingTable.WeightScale;

    public static TheoryData<int, int> Seeds()
    {
        var data = new TheoryData<int, int>();
        foreach (var slots in new[] { 65536, 4099, 1000 })
        {
            foreach (var seed in new[] { 1, 2, 3, 4 })
            {
                data.Add(seed, slots);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Every_replica_holds_the_floor_or_ceiling_of_its_weighted_share(int seed, int slotCount)
    {
        var random = new Random(seed);
        for (var round = 0; round < 20; round++)
        {
            var replicas = random.Next(1, 20);
            var weights = Enumerable.Range(0, replicas).Select(_ => RandomWeight(random)).ToList();
            var names = Enumerable.Range(0, replicas).Select(i => $"w{i}").ToList();
            var table = RoutingTable.Create(new RoutingSettings { SlotCount = slotCount });

            // Sometimes in one call, sometimes one at a time.
            table = random.Next(2) == 0
                ? table.Add(names, weights)
                : names.Select((n, i) => (n, i)).Aggregate(table, (t, x) => t.Add([x.n], [weights[x.i]]));

            AssertWithinOneSlot(table, $"round {round}");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void A_weight_change_moves_slots_only_between_the_changed_replica_and_the_others(int seed, int slotCount)
    {
        var random = new Random(seed);
        var table = RandomTable(random, slotCount, out _);
        for (var step = 0; step < 40; step++)
        {
            // Weights as the API sets them (1–100).
            var name = table.Members[random.Next(table.Members.Count)];
            var weight = random.Next(1, 101) * Scale;
            var changed = table.ChangeWeights([new(name, weight)]);

            var before = Counts(table);
            var after = Counts(changed);
            var number = table.Numbers[Array.IndexOf(table.Names, name)];
            var between = CrossMoves(table, changed, number);
            Assert.Equal(Unavoidable(table, changed, number), between);
            Assert.Equal(0, between);

            // Every move involves the changed replica, so as few slots move as its count changes by.
            var moved = table.SlotOwners.Zip(changed.SlotOwners).Count(p => p.First != p.Second);
            Assert.Equal(Math.Abs(after[number] - before[number]), moved);
            AssertWithinOneSlot(changed, $"step {step}");
            table = changed;
        }
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(2, 16)]
    [InlineData(3, 97)]
    [InlineData(4, 97)]
    [InlineData(5, 40)]
    public void Where_rounding_forces_it_only_the_unavoidable_slots_move_between_unchanged_replicas(int seed, int slotCount)
    {
        // With few slots a small weight change shifts every share by less than a slot, and the floors and ceilings can
        // then require one unchanged replica to hand a slot to another (Balinski and Young: no apportionment keeps both
        // quota and population monotonicity). The table moves exactly that many, and no more.
        var random = new Random(seed);
        var forced = 0;
        for (var round = 0; round < 200; round++)
        {
            var table = RandomTable(random, slotCount, out _, most: 8);
            var name = table.Members[random.Next(table.Members.Count)];
            var changed = table.ChangeWeights([new(name, RandomWeight(random))]);
            var number = table.Numbers[Array.IndexOf(table.Names, name)];
            var between = CrossMoves(table, changed, number);
            Assert.Equal(Unavoidable(table, changed, number), between);
            AssertWithinOneSlot(changed, $"round {round}");
            forced += between;
        }

        Assert.True(forced < 200, $"{forced} slots moved between unchanged replicas in 200 changes");
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Setting_a_weight_back_restores_every_slot(int seed, int slotCount)
    {
        var random = new Random(seed);
        for (var round = 0; round < 15; round++)
        {
            var table = RandomTable(random, slotCount, out _);
            var name = table.Members[random.Next(table.Members.Count)];
            var old = table.WeightOf(name);

            // Up and down, and down and up, both straight back.
            foreach (var other in new[] { Math.Min(RoutingTable.MaxTableWeight, old + (random.Next(1, 50) * Scale)), Math.Max(1, old / random.Next(2, 6)) })
            {
                var changed = table.ChangeWeights([new(name, other)]);
                var back = changed.ChangeWeights([new(name, old)]);
                Assert.Equal(table.SlotOwners, back.SlotOwners);
                Assert.Equal(table.MemberWeights, back.MemberWeights);
                Assert.True(back.SlotHistoryOwner.Length <= table.SlotHistoryOwner.Length, "setting a weight back leaves no history behind");

                // Toggling again gives the same table again.
                Assert.Equal(changed.SlotOwners, back.ChangeWeights([new(name, other)]).SlotOwners);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Adding_weighted_replicas_then_removing_them_restores_every_slot(int seed, int slotCount)
    {
        var random = new Random(seed);
        for (var round = 0; round < 15; round++)
        {
            var table = RandomTable(random, slotCount, out var next);
            var names = Enumerable.Range(0, random.Next(1, 4)).Select(_ => $"n{next++}").ToList();
            var grown = table.Add(names, names.Select(_ => RandomWeight(random)).ToList());
            AssertWithinOneSlot(grown, $"round {round}");

            // Only the newcomers take slots.
            var numbers = grown.Numbers.Skip(table.Members.Count).ToHashSet();
            Assert.All(table.SlotOwners.Zip(grown.SlotOwners).Where(p => p.First != p.Second), p => Assert.Contains(p.Second, numbers));
            Assert.Equal(table.SlotOwners, grown.Remove(names.OrderBy(_ => random.Next()).ToList()).SlotOwners);
        }
    }

    [Theory]
    [InlineData(1, 65536)]
    [InlineData(2, 4099)]
    [InlineData(3, 97)]
    public void Random_adds_removes_and_weight_changes_keep_every_count_within_one_slot_and_the_history_bounded(int seed, int slotCount)
    {
        var random = new Random(seed);
        var table = RoutingTable.Create(new RoutingSettings { SlotCount = slotCount });
        var next = 0;
        for (var step = 0; step < 300; step++)
        {
            var choice = random.Next(10);
            if (table.Members.Count == 0 || (choice < 3 && table.Members.Count < 24))
            {
                var names = Enumerable.Range(0, random.Next(1, 3)).Select(_ => $"r{next++}").ToList();
                table = table.Add(names, names.Select(_ => RandomWeight(random)).ToList());
            }
            else if (choice < 5 && table.Members.Count > 1)
            {
                table = table.Remove([table.Members[random.Next(table.Members.Count)]]);
            }
            else
            {
                var changes = table.Members.OrderBy(_ => random.Next()).Take(random.Next(1, 3))
                    .Select(n => new KeyValuePair<string, int>(n, RandomWeight(random))).ToList();
                table = table.ChangeWeights(changes);
            }

            AssertWithinOneSlot(table, $"step {step}");
            Assert.True(table.SlotHistoryOwner.Length <= 5 * slotCount, $"step {step}: {table.SlotHistoryOwner.Length} history entries for {slotCount} slots");
        }
    }

    [Fact]
    public void Many_slow_start_ramps_with_every_replica_present_keep_the_history_bounded()
    {
        // Ramps of 10 % steps, over and over, nobody leaving: only compaction of present owners bounds the history.
        const int slotCount = 4096;
        var table = RoutingTable.Create(new RoutingSettings { SlotCount = slotCount }).Add([.. TestTables.Names(6)]);
        for (var ramp = 0; ramp < 60; ramp++)
        {
            var name = table.Members[ramp % table.Members.Count];
            for (var level = 1; level <= 10; level++)
            {
                table = table.ChangeWeights([new(name, level * 10 * (1 + (ramp % 3)))]);
                AssertWithinOneSlot(table, $"ramp {ramp} level {level}");
                Assert.True(table.SlotHistoryOwner.Length <= 5 * slotCount, $"ramp {ramp}: {table.SlotHistoryOwner.Length} entries");
            }
        }

        // Compaction keeps at most three previous owners a slot; at most two entries a slot come on top per ramp.
        Assert.True(LongestChain(table) <= 3 + (2 * 60), "chains are bounded");
    }

    [Fact]
    public void Changing_several_weights_at_once_moves_nothing_between_unchanged_replicas()
    {
        var table = RoutingTable.Create(RoutingSettings.Default).Add([.. TestTables.Names(6)], [100, 200, 300, 400, 500, 600]);
        var changed = table.ChangeWeights([new("replica-2", 700), new("replica-5", 100)]);
        var touched = new[] { 2, 5 };
        Assert.All(table.SlotOwners.Zip(changed.SlotOwners).Where(p => p.First != p.Second),
            p => Assert.True(touched.Contains(p.First) || touched.Contains(p.Second), $"slot moved from {p.First} to {p.Second}"));
        AssertWithinOneSlot(changed, "after");
    }

    private static int RandomWeight(Random random) =>
        random.Next(4) == 0 ? random.Next(1, RoutingTable.MaxTableWeight + 1) : random.Next(1, 11) * Scale;

    /// <summary>A weighted table with some history: adds, removes and weight changes.</summary>
    private static RoutingTable RandomTable(Random random, int slotCount, out int next, int most = 12)
    {
        var table = RoutingTable.Create(new RoutingSettings { SlotCount = slotCount });
        next = 0;
        var count = random.Next(2, most);
        for (var i = 0; i < count; i++)
        {
            table = table.Add([$"r{next++}"], [RandomWeight(random)]);
            if (random.Next(4) == 0 && table.Members.Count > 1)
            {
                table = table.Remove([table.Members[random.Next(table.Members.Count)]]);
            }
            else if (random.Next(3) == 0)
            {
                table = table.ChangeWeights([new(table.Members[random.Next(table.Members.Count)], RandomWeight(random))]);
            }
        }

        return table;
    }

    private static Dictionary<int, int> Counts(RoutingTable table)
    {
        var counts = table.Numbers.ToDictionary(n => n, _ => 0);
        foreach (var owner in table.SlotOwners)
        {
            counts[owner]++;
        }

        return counts;
    }

    private static void AssertWithinOneSlot(RoutingTable table, string where)
    {
        var slots = (long)table.Settings.SlotCount;
        var counts = Counts(table);
        var weights = table.MemberWeights;
        var total = weights.Sum(w => (long)w);
        for (var i = 0; i < table.Members.Count; i++)
        {
            var floor = slots * weights[i] / total;
            var ceiling = floor + (slots * weights[i] % total == 0 ? 0 : 1);
            Assert.True(counts[table.Numbers[i]] >= floor && counts[table.Numbers[i]] <= ceiling,
                $"{where}: {table.Members[i]} (weight {weights[i]}) holds {counts[table.Numbers[i]]} slots, not {floor}–{ceiling}");
        }
    }

    private static int CrossMoves(RoutingTable before, RoutingTable after, int changed) =>
        before.SlotOwners.Zip(after.SlotOwners).Count(p => p.First != p.Second && p.First != changed && p.Second != changed);

    /// <summary>
    /// The fewest slots that must move between unchanged replicas for every count to stay at its floor or ceiling:
    /// growing, the others cannot keep more than min(count, ceiling) each and the changed one takes at most its ceiling;
    /// shrinking, the others keep at least max(count, floor) each and the changed one keeps at least its floor.
    /// </summary>
    private static int Unavoidable(RoutingTable before, RoutingTable after, int changed)
    {
        var slots = (long)after.Settings.SlotCount;
        var counts = Counts(before);
        var weights = after.MemberWeights;
        var total = weights.Sum(w => (long)w);
        var growing = after.MemberWeights[Array.IndexOf(after.Numbers, changed)] > before.MemberWeights[Array.IndexOf(before.Numbers, changed)];
        long others = 0, changedFloor = 0, changedCeiling = 0;
        for (var i = 0; i < after.Members.Count; i++)
        {
            var floor = slots * weights[i] / total;
            var ceiling = floor + (slots * weights[i] % total == 0 ? 0 : 1);
            if (after.Numbers[i] == changed)
            {
                (changedFloor, changedCeiling) = (floor, ceiling);
            }
            else
            {
                others += growing ? Math.Min(counts[after.Numbers[i]], ceiling) : Math.Max(counts[after.Numbers[i]], floor);
            }
        }

        return (int)Math.Max(0, growing ? slots - others - changedCeiling : changedFloor - (slots - others));
    }

    private static int LongestChain(RoutingTable table)
    {
        var longest = 0;
        foreach (var head in table.SlotHistoryHead)
        {
            var length = 0;
            for (var entry = head; entry >= 0; entry = table.SlotHistoryNext[entry])
            {
                length++;
            }

            longest = Math.Max(longest, length);
        }

        return longest;
    }
}
