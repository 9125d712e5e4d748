using Orleans.LoadBalancer.Grains.Hosts;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.UnitTests.Grains.Hosts;

/// <summary>The placement rule: which host starts a replica, and which replicas a lost host leaves to replace.</summary>
public sealed class ReplicaPlacementTests
{
    private static readonly string[] Three = ["host1", "host2", "host3"];

    [Fact]
    public void Six_replicas_placed_one_after_the_other_spread_two_per_host()
    {
        var load = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 1; i <= 6; i++)
        {
            var host = Choose(Three, load, $"Server {i}").Host!;
            load[host] = load.GetValueOrDefault(host) + 1;
        }

        Assert.Equal([2, 2, 2], Three.Select(h => load[h]));
    }

    [Fact]
    public void The_host_with_the_fewest_replicas_wins_and_ties_go_to_the_first_name()
    {
        Assert.Equal("host3", Choose(Three, Load(("host1", 2), ("host2", 1), ("host3", 0)), "x").Host);
        Assert.Equal("host1", Choose(["host2", "host1"], Load(("host1", 1), ("host2", 1)), "x").Host);
    }

    [Fact]
    public void A_replacement_avoids_the_host_it_ran_on_unless_that_is_the_only_one()
    {
        Assert.Equal("host2", Choose(Three, Load(("host1", 0), ("host2", 1), ("host3", 2)), "x", previous: "host1").Host);
        Assert.Equal("host1", Choose(["host1"], Load(), "x", previous: "host1").Host);
    }

    [Fact]
    public void Only_and_exclude_narrow_the_candidates_ignoring_case()
    {
        var options = new PlacementOptions { Only = ["HOST1", "host2"], Exclude = ["Host2"] };

        Assert.Equal("host1", ReplicaPlacement.Choose(Three, Load(("host1", 9)), "x", null, options).Host);
    }

    [Fact]
    public void A_pinned_replica_goes_to_its_host_while_that_host_is_active_and_allowed()
    {
        var options = new PlacementOptions { Pin = new() { ["Server 1"] = "host3" } };

        Assert.Equal("host3", ReplicaPlacement.Choose(Three, Load(("host3", 5)), "Server 1", "host3", options).Host);
        Assert.Equal("host1", ReplicaPlacement.Choose(["host1", "host2"], Load(("host2", 1)), "Server 1", null, options).Host);
        options.Exclude.Add("host3");
        Assert.Equal("host1", ReplicaPlacement.Choose(Three, Load(("host2", 1)), "Server 1", null, options).Host);
    }

    [Fact]
    public void No_candidate_gives_no_host_and_says_why()
    {
        var (none, why) = ReplicaPlacement.Choose(Three, Load(), "x", null, new PlacementOptions { Only = ["elsewhere"] });
        Assert.Null(none);
        Assert.Contains("host1, host2, host3", why, StringComparison.Ordinal);

        Assert.Equal("no host is active", ReplicaPlacement.Choose([], Load(), "x", null, new PlacementOptions()).Reason);
    }

    [Fact]
    public void Replicas_of_hosts_that_are_not_active_are_lost_except_busy_ones_and_those_without_a_host()
    {
        ReplicaRecord[] ring =
        [
            new("a", "http://10.0.0.1:1", "1", Host: "host1"),
            new("b", "http://10.0.0.2:1", "2", Host: "HOST2"),
            new("c", "http://10.0.0.3:1", "3", Host: "host3"),
            new("d", "http://10.0.0.3:2", "4", Host: "host3"),
            new("e", "http://10.0.0.9:1", "5"),
        ];

        var lost = HostLoss.Lost(ring, ["host1", "host2"], new HashSet<string>(["d"], StringComparer.Ordinal));

        Assert.Equal(["c"], lost.Select(r => r.Name));
    }

    private static (string? Host, string? Reason) Choose(IEnumerable<string> hosts, Dictionary<string, int> load, string name, string? previous = null) =>
        ReplicaPlacement.Choose(hosts, load, name, previous, new PlacementOptions());

    private static Dictionary<string, int> Load(params (string Host, int Count)[] load) =>
        load.ToDictionary(l => l.Host, l => l.Count, StringComparer.OrdinalIgnoreCase);
}
