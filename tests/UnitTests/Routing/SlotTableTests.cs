using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>The <c>slots</c> table under batches of adds and removes: balance within one slot, exact restores.</summary>
public sealed class SlotTableTests
{
    public static TheoryData<int, int> Sizes()
    {
        var data = new TheoryData<int, int>();
        foreach (var replicas in new[] { 1, 2, 3, 5, 8, 17 })
        {
            foreach (var batch in new[] { 2, 3, 5 })
            {
                data.Add(replicas, batch);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Removing_a_batch_of_added_replicas_restores_every_slot_in_any_order(int replicas, int batch)
    {
        var table = TestTables.Table(RoutingSettings.Slots, replicas);
        var names = TestTables.Names(batch, from: 100).ToList();
        var grown = table.Add(names);
        var reversed = Enumerable.Reverse(names).ToList();
        var shuffled = names.OrderBy(n => KeyHash.Hash(n)).ToList();

        foreach (var order in new[] { names, reversed, shuffled })
        {
            var restored = grown.Remove(order);
            Assert.Equal(table.SlotOwners, restored.SlotOwners);
            Assert.Equal(table.Members, restored.Members);
            Assert.Equal(table.Numbers, restored.Numbers);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Removing_replicas_added_one_call_at_a_time_restores_every_slot_in_one_call(int replicas, int batch)
    {
        var table = TestTables.Table(RoutingSettings.Slots, replicas);
        var names = TestTables.Names(batch, from: 100).ToList();
        var grown = names.Aggregate(table, (t, name) => t.Add([name]));

        Assert.Equal(table.SlotOwners, grown.Remove(names).SlotOwners);
        Assert.Equal(table.SlotOwners, grown.Remove(Enumerable.Reverse(names).ToList()).SlotOwners);
    }

    [Theory]
    [InlineData(1, 4099)]
    [InlineData(2, 65536)]
    [InlineData(3, 1000)]
    [InlineData(4, 97)]
    public void Random_batches_of_adds_and_removes_keep_counts_within_one_and_undo_exactly(int seed, int slotCount)
    {
        var random = new Random(seed);
        var table = RoutingTable.Create(new RoutingSettings { SlotCount = slotCount });
        var next = 0;
        for (var step = 0; step < 60; step++)
        {
            var before = table;
            if (table.Members.Count > 0 && random.Next(3) == 0)
            {
                var removing = table.Members.OrderBy(_ => random.Next()).Take(random.Next(1, Math.Min(4, table.Members.Count + 1))).ToList();
                table = table.Remove(removing);
                Assert.Equal(before.Members.Except(removing), table.Members);
            }
            else
            {
                var adding = Enumerable.Range(0, random.Next(1, 4)).Select(_ => $"r{next++}").ToList();
                table = table.Add(adding);
                var undone = table.Remove(adding.OrderBy(_ => random.Next()).ToList());
                Assert.Equal(before.SlotOwners.Length == 0 ? new int[slotCount] : before.SlotOwners, undone.SlotOwners);
            }

            AssertBalanced(table, slotCount, step);
        }
    }

    private static void AssertBalanced(RoutingTable table, int slotCount, int step)
    {
        Assert.Equal(slotCount, table.SlotOwners.Length);
        if (table.Members.Count == 0)
        {
            return;
        }

        var counts = table.Numbers.ToDictionary(n => n, _ => 0);
        foreach (var owner in table.SlotOwners)
        {
            Assert.True(counts.ContainsKey(owner), $"step {step}: slot owned by {owner}, not a member");
            counts[owner]++;
        }

        Assert.True(counts.Values.Max() - counts.Values.Min() <= 1, $"step {step}: counts {string.Join(",", counts.Values)}");
    }
}
