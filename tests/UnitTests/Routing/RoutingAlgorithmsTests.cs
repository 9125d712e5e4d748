using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.Routing.Algorithms;

namespace Orleans.LoadBalancer.UnitTests.Routing;

public sealed class RoutingAlgorithmsTests
{
    [Fact]
    public void Every_algorithm_is_found_by_its_name_in_the_order_errors_list_them()
    {
        Assert.Equal([RoutingSettings.Classic, RoutingSettings.Ring, RoutingSettings.Maglev, RoutingSettings.Slots], RoutingSettings.Algorithms);
        foreach (var name in RoutingSettings.Algorithms)
        {
            Assert.Equal(name, RoutingAlgorithms.Get(name, "algorithm").Name);
            Assert.Same(RoutingAlgorithms.Find(name), (RoutingSettings.Default with { Algorithm = name }).Policy);
        }
    }

    [Fact]
    public void An_unknown_name_is_refused_with_the_names_there_are()
    {
        Assert.Null(RoutingAlgorithms.Find("Slots"));
        var error = Assert.Throws<ArgumentException>(() => RoutingAlgorithms.Get("nope", "algorithm"));
        Assert.StartsWith("Unknown routing algorithm 'nope': use one of classic, ring, maglev, slots", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shared_routing_tests_cover_every_algorithm()
    {
        Assert.Equal(RoutingSettings.Algorithms.Order(StringComparer.Ordinal), TestTables.Algorithms.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(RoutingSettings.Slots, nameof(LookupKind.Slots), 0)]
    [InlineData(RoutingSettings.Maglev, nameof(LookupKind.Maglev), 1)]
    [InlineData(RoutingSettings.Ring, nameof(LookupKind.Ring), 2)]
    [InlineData(RoutingSettings.Classic, nameof(LookupKind.Classic), 3)]
    public void Lookup_kinds_keep_the_numbers_snapshots_carry_on_the_wire(string algorithm, string kind, int wire)
    {
        var lookup = RoutingAlgorithms.Get(algorithm, "algorithm").Lookup;
        Assert.Equal(kind, lookup.ToString());
        Assert.Equal(wire, (int)lookup);
    }

    [Fact]
    public void Only_classic_has_no_weights()
    {
        Assert.Equal([RoutingSettings.Classic], RoutingSettings.Algorithms.Where(a => !RoutingTable.Create(new RoutingSettings { Algorithm = a }).HasWeights));
    }
}
