using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>The assignment's ring reproduced bit for bit, skew and all.</summary>
public sealed class ClassicRingTests
{
    [Fact]
    public void Request_slots_reach_only_87_of_512_slots()
    {
        var reached = Enumerable.Range(0, 512).Select(r => ClassicRing.RequestSlot((ulong)r)).Distinct().Count();
        Assert.Equal(87, reached);
    }

    [Fact]
    public void The_virtual_servers_of_servers_1_to_3_sit_in_slots_26_to_114()
    {
        var slots = Enumerable.Range(1, 3).SelectMany(n => Enumerable.Range(0, 9).Select(j => ClassicRing.VirtualServerSlot(n, j))).ToList();
        Assert.Equal(26, slots.Min());
        Assert.Equal(114, slots.Max());
        Assert.Equal(1 + 0 + 0 + 25, ClassicRing.VirtualServerSlot(1, 0));
        Assert.Equal((int)((123456L * 123456L + 2 * 123456L + 17) % 512), ClassicRing.RequestSlot(123456));
    }

    [Fact]
    public void With_servers_1_to_3_about_84_percent_of_six_digit_ids_land_on_server_1()
    {
        var snapshot = TestTables.Snapshot(TestTables.Table(RoutingSettings.Classic, 3));
        var counts = new int[3];
        for (var id = 100_000; id <= 999_999; id++)
        {
            counts[snapshot.Route(snapshot.Hash(id.ToString(System.Globalization.CultureInfo.InvariantCulture)))]++;
        }

        // Every six-digit id once: the exact skew, 84.4% / 4.7% / 10.9%.
        Assert.Equal([759_374, 42_187, 98_439], counts);
        for (var server = 0; server < 3; server++)
        {
            Assert.Equal(counts[server] / 900_000.0, snapshot.Share(server), 12);
        }
    }

    [Fact]
    public void Non_numeric_keys_are_reduced_to_a_six_digit_id_by_their_hash()
    {
        Assert.Equal(123456UL, ClassicRing.RequestId("123456"));
        Assert.Equal(KeyHash.Hash("user-7") % 1_000_000, ClassicRing.RequestId("user-7"));
        Assert.Equal(KeyHash.Hash("-5") % 1_000_000, ClassicRing.RequestId("-5"));
    }

    [Fact]
    public void Server_numbers_follow_the_order_of_addition_and_are_never_reused()
    {
        var table = TestTables.Table(RoutingSettings.Classic, 3).Remove(["replica-2"]).Add(["late"]);
        Assert.Equal([1, 3, 4], table.Numbers);
    }
}
