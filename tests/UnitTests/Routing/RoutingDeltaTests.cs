using Microsoft.Extensions.DependencyInjection;
using Orleans.LoadBalancer.Routing;
using Orleans.Serialization;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>
/// A gateway that applies the RingGrain's deltas holds the same snapshot as one built afresh, for every algorithm and
/// any sequence of changes; a delta applies only to the version it was made from; an add costs the same whatever the
/// table's size.
/// </summary>
public sealed class RoutingDeltaTests
{
    private static readonly Serializer Serializer = new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>();
    private static readonly Guid RingId = Guid.NewGuid();

    public static TheoryData<string, int, int> Runs()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var algorithm in TestTables.Algorithms)
        {
            foreach (var seed in new[] { 1, 2, 3 })
            {
                // The default table size, and an odd one that no replica count divides.
                data.Add(algorithm, seed, 0);
                data.Add(algorithm, seed, 1009);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void Random_changes_applied_as_deltas_give_the_snapshot_built_afresh(string algorithm, int seed, int size)
    {
        var settings = size == 0
            ? new RoutingSettings { Algorithm = algorithm }
            : new RoutingSettings { Algorithm = algorithm, SlotCount = size, MaglevTableSize = size, PointsPerReplica = 7 };
        var random = new Random(seed);
        var table = RoutingTable.Create(settings).Add(TestTables.Names(3).ToList());
        var records = table.Members.ToDictionary(n => n, n => new RoutedReplica(n, $"http://127.0.0.1/{n}", true), StringComparer.Ordinal);
        var next = 4;
        var version = 1L;
        var built = Build(table, records, version);
        var gateway = built;
        var applied = 0;
        for (var step = 0; step < 40; step++)
        {
            var names = table.Members.ToList();
            switch (random.Next(5))
            {
                case 0 or 1 when names.Count < Math.Min(24, settings.Capacity):
                {
                    var added = TestTables.Names(random.Next(1, 3), next).ToList();
                    next += added.Count;
                    table = table.Add(added);
                    added.ForEach(n => records[n] = new RoutedReplica(n, $"http://127.0.0.1/{n}", true));
                    break;
                }

                case 2 when names.Count > 1:
                {
                    var removed = names.OrderBy(_ => random.Next()).Take(random.Next(1, Math.Min(3, names.Count))).ToList();
                    table = table.Remove(removed);
                    removed.ForEach(n => records.Remove(n));
                    break;
                }

                case 3:
                {
                    // A replace, as the RingGrain makes it: one name out, a new one in, one version step.
                    var old = names[random.Next(names.Count)];
                    var replacement = $"replica-{next++}";
                    table = table.Remove([old]).Add([replacement]);
                    records.Remove(old);
                    records[replacement] = new RoutedReplica(replacement, $"http://127.0.0.1/{replacement}", true);
                    break;
                }

                default:
                {
                    // Health and address marks: the table stays.
                    var name = names[random.Next(names.Count)];
                    records[name] = records[name] with { IsUp = !records[name].IsUp, Address = $"http://127.0.0.1/{name}/{step}" };
                    break;
                }
            }

            var previous = built;
            built = Build(table, records, ++version);
            var delta = built.DeltaFrom(previous);
            if (delta is null)
            {
                gateway = built;
                continue;
            }

            // Across the wire, as the observer gets it.
            var received = Serializer.Deserialize<RoutingDelta>(Serializer.SerializeToArray(delta))!;
            gateway = gateway.Apply(received) ?? throw new Xunit.Sdk.XunitException($"Step {step}: the delta {previous.Version} → {built.Version} did not apply");
            applied++;
            SameRouting.Assert(built, gateway);
        }

        // Every change but the few whose delta would not be smaller than the table went as a delta.
        Assert.True(applied >= 20, $"only {applied} of 40 changes went as deltas");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(64)]
    public void Adding_one_slots_replica_costs_the_same_bytes_whatever_the_slot_count(int replicas)
    {
        var sizes = new[] { 4096, 65536, 1 << 20 }.Select(slots =>
        {
            var table = RoutingTable.Create(new RoutingSettings { SlotCount = slots }).Add(TestTables.Names(replicas).ToList());
            var before = TestTables.Snapshot(table, version: 1) with { RingId = RingId };
            var after = TestTables.Snapshot(table.Add(["newcomer"]), version: 2) with { RingId = RingId };
            var delta = after.DeltaFrom(before) ?? throw new Xunit.Sdk.XunitException($"No delta at {slots} slots");
            Assert.All(delta.Moves, m => Assert.IsType<SpreadMove>(m));
            Assert.Equal(after.Replicas, before.Apply(delta)!.Replicas);
            return (Slots: slots, Bytes: Serializer.SerializeToArray(delta).Length, Whole: Serializer.SerializeToArray(after).Length);
        }).ToList();

        var (smallest, largest) = (sizes.Min(s => s.Bytes), sizes.Max(s => s.Bytes));
        Assert.True(largest - smallest <= 4 * (replicas + 1), $"delta bytes by slot count: {string.Join(", ", sizes)}");
        Assert.All(sizes.Where(s => s.Slots >= 65536), s => Assert.True(s.Bytes * 20 < s.Whole, $"{s}"));
    }

    [Fact]
    public void A_delta_applies_only_to_the_version_it_was_made_from()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 3);
        var v1 = TestTables.Snapshot(table, version: 1) with { RingId = RingId, Epoch = 5 };
        var v2 = TestTables.Snapshot(table.Add(["d"]), version: 2) with { RingId = RingId, Epoch = 5 };
        var v3 = TestTables.Snapshot(table.Add(["d", "e"]), version: 3) with { RingId = RingId, Epoch = 5 };
        var delta = v3.DeltaFrom(v2)!;

        Assert.Null(v1.Apply(delta));                                   // missed version 2
        Assert.Null(v3.Apply(delta));                                   // already there
        Assert.Null((v2 with { Epoch = 6 }).Apply(delta));              // another activation's version 2
        Assert.Null((v2 with { RingId = Guid.NewGuid() }).Apply(delta)); // another ring
        Assert.Null(v2.Apply(delta with { TableHash = delta.TableHash ^ 1 })); // does not rebuild the table it names
        Assert.NotNull(v2.Apply(delta));
        Assert.True(delta.Supersedes(v1));
        Assert.False(delta.Supersedes(v3));
    }

    [Fact]
    public void Whole_snapshots_go_where_a_delta_makes_no_sense()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 3);
        var v1 = TestTables.Snapshot(table, version: 1) with { RingId = RingId };
        var empty = TestTables.Snapshot(RoutingTable.Create(RoutingSettings.Default), version: 0) with { RingId = RingId };
        var maglev = TestTables.Snapshot(RoutingTable.Create(new RoutingSettings { Algorithm = RoutingSettings.Maglev }).Add(table.Members), version: 2) with { RingId = RingId };

        Assert.Null(v1.DeltaFrom(empty));                                    // the first replicas
        Assert.Null(maglev.DeltaFrom(v1));                                   // a settings change
        Assert.Null((v1 with { Version = 2, Epoch = 1 }).DeltaFrom(v1));     // a new activation
        Assert.Null(v1.DeltaFrom(v1));                                       // not newer
    }

    [Fact]
    public void A_health_mark_sends_the_replicas_and_no_table()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 64);
        var v1 = TestTables.Snapshot(table, version: 1) with { RingId = RingId };
        var v2 = TestTables.Snapshot(table, version: 2, down: new HashSet<string> { "replica-7" }) with { RingId = RingId };
        var delta = v2.DeltaFrom(v1)!;

        Assert.Empty(delta.Moves);
        Assert.Null(delta.Shares);
        var applied = v1.Apply(delta)!;
        Assert.Equal(63, applied.UpCount);
        SameRouting.Assert(v2, applied);
    }

    [Fact]
    public void A_snapshot_with_new_records_routes_as_one_built_afresh()
    {
        var table = TestTables.Table(RoutingSettings.Slots, 5);
        var v1 = TestTables.Snapshot(table, version: 1) with { RingId = RingId };
        var fresh = TestTables.Snapshot(table, version: 2, down: new HashSet<string> { "replica-2", "replica-4" }) with { RingId = RingId };

        SameRouting.Assert(fresh, v1.WithRecords(2, fresh.Replicas));
        Assert.Throws<ArgumentException>(() => v1.WithRecords(2, fresh.Replicas.Reverse().ToList()));
        Assert.Throws<ArgumentException>(() => v1.WithRecords(2, fresh.Replicas.Skip(1).ToList()));
    }

    private static RoutingSnapshot Build(RoutingTable table, Dictionary<string, RoutedReplica> records, long version) =>
        RoutingSnapshot.Create(version, table, table.Members.Select(n => records[n]).ToList()) with { RingId = RingId, Epoch = 3 };
}
