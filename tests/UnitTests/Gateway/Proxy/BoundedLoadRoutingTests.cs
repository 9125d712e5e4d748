using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.UnitTests.Routing;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy;

/// <summary>
/// Bounded loads as the gateway routes: a real <see cref="RouteSelector"/>, with the loads in flight held through its
/// <see cref="InFlightTracker"/>. The cap itself is <c>BoundedLoadCapTests</c>'.
/// </summary>
public sealed class BoundedLoadRoutingTests : IDisposable
{
    private static readonly double[] Factors = [1.01, 1.1, 1.25, 1.5, 2, 3];

    private readonly RouteSelectorRig _rig = new();
    private readonly Dictionary<double, RouteSelector> _routers = [];

    public void Dispose() => _rig.Dispose();

    public static TheoryData<string> Algorithms() => [.. TestTables.Algorithms];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void After_admission_the_chosen_replica_holds_at_most_c_times_the_mean_or_the_even_share(string algorithm)
    {
        var random = new Random(algorithm.Length);
        var keys = TestTables.Keys(4_000, seed: 5);
        var snapshot = _rig.Install(RandomSnapshot(algorithm, random));
        for (var trial = 0; trial < keys.Length; trial++)
        {
            if (trial % 250 == 0)
            {
                snapshot = _rig.Install(RandomSnapshot(algorithm, random));
            }

            var loads = TestTables.RandomLoads(snapshot.Count, random);
            var factor = Factors[random.Next(Factors.Length)];
            _rig.Hold(snapshot, loads);
            var choice = Router(factor).Choose(RouteSelectorRig.Request(keys[trial]), snapshot);
            var chosen = choice.Index;
            var inFlight = _rig.InFlight.Total;
            var held = chosen >= 0 ? _rig.Load(snapshot, chosen) : 0;
            if (chosen >= 0)
            {
                Router(factor).Release(choice, chosen);
            }

            _rig.Release(snapshot, loads);

            var up = Enumerable.Range(0, snapshot.Count).Where(i => snapshot.Replicas[i].IsUp).ToList();
            if (up.Count == 0)
            {
                Assert.Equal(-1, chosen);
                Assert.Equal(loads.Sum(), inFlight);
                continue;
            }

            // T counts every request this gateway has in flight, on down replicas too (they may still answer), and
            // this one: the tracker's total, which is what the selector reads.
            Assert.Contains(chosen, up);
            long total = loads.Sum() + 1;
            Assert.Equal(total, inFlight);
            Assert.Equal(loads[chosen] + 1, held);
            var limit = Math.Max(Math.Ceiling(total / (double)up.Count), factor * total / up.Count);
            Assert.True(held <= limit + 1e-9, $"load {held} after admission, limit {limit}");

            // The first replica in the key's order that is up and below the cap; the owner whenever it qualifies.
            var cap = RoutingSnapshot.BoundedLoadCap(total, up.Count, factor);
            var order = new int[snapshot.Count];
            snapshot.PreferenceOrder(snapshot.Hash(keys[trial]), order);
            Assert.Equal(order.First(i => snapshot.Replicas[i].IsUp && loads[i] < cap), chosen);
        }
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void With_nothing_in_flight_bounded_routing_is_plain_routing(string algorithm)
    {
        var random = new Random(11);
        var keys = TestTables.Keys(2_000, seed: 6);
        var snapshot = _rig.Install(RandomSnapshot(algorithm, random));
        for (var trial = 0; trial < keys.Length; trial++)
        {
            if (trial % 20 == 0)
            {
                snapshot = _rig.Install(RandomSnapshot(algorithm, random));
            }

            var router = Router(Factors[random.Next(Factors.Length)]);
            var choice = router.Choose(RouteSelectorRig.Request(keys[trial]), snapshot);
            Assert.Equal(snapshot.Route(snapshot.Hash(keys[trial])), choice.Index);
            if (choice.Index >= 0)
            {
                router.Release(choice, choice.Index);
            }

            Assert.Equal(0, _rig.InFlight.Total);
        }
    }

    [Fact]
    public void A_hot_key_fills_its_owner_to_the_cap_and_spills_in_preference_order()
    {
        var snapshot = _rig.Install(TestTables.Snapshot(TestTables.Table(RoutingSettings.Slots, 4)));
        var router = Router(1.25);
        for (var request = 1; request <= 100; request++)
        {
            router.Choose(RouteSelectorRig.Request("hot"), snapshot);
            var loads = Enumerable.Range(0, snapshot.Count).Select(i => _rig.Load(snapshot, i)).ToArray();
            Assert.True(loads.Max() <= Math.Max(Math.Ceiling(request / 4.0), 1.25 * request / 4), $"after {request}: {string.Join(",", loads)}");
        }

        Assert.Equal(31, _rig.Load(snapshot, snapshot.Owner(snapshot.Hash("hot"))));
    }

    [Fact]
    public void An_empty_ring_or_one_with_every_replica_down_routes_nowhere_and_holds_nothing()
    {
        var all = TestTables.Table(RoutingSettings.Slots, 3);
        var snapshots = TestTables.Algorithms.Select(a => TestTables.Snapshot(TestTables.Table(a, 0)))
            .Append(RoutingSnapshot.Empty)
            .Append(TestTables.Snapshot(all, down: all.Members.ToHashSet()));
        foreach (var snapshot in snapshots)
        {
            Assert.Equal(-1, Router(1.25).Choose(RouteSelectorRig.Request("anything"), snapshot).Index);
            Assert.Equal(0, _rig.InFlight.Total);
        }
    }

    [Theory]
    [InlineData(RoutingSettings.Slots)]
    [InlineData(RoutingSettings.Ring)]
    [InlineData(RoutingSettings.Maglev)]
    public void Allocates_nothing_even_for_the_largest_tables(string algorithm)
    {
        var snapshot = _rig.Install(TestTables.Largest(algorithm));

        // Every other replica full, so that many keys go past their own replica.
        _rig.Hold(snapshot, Enumerable.Range(0, snapshot.Count).Select(i => i % 2 == 0 ? 2 : 0).ToArray());
        var router = Router(1.25);
        var requests = TestTables.Keys(50).Select(RouteSelectorRig.Request).ToArray();
        var diverted = 0;
        var expected = Exercise();

        var (allocated, again) = AllocationProbe.Steady(Exercise);

        Assert.Equal(0, allocated);
        Assert.Equal(expected, again);
        Assert.True(diverted > 0, "no key went past its own replica");

        long Exercise()
        {
            long sum = 0;
            foreach (var request in requests)
            {
                var choice = router.Choose(request, snapshot);
                router.Release(choice, choice.Index);
                sum += choice.Index;
                diverted += choice.Index != snapshot.Route(choice.Hash) ? 1 : 0;
            }

            return sum;
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(-1.25)]
    [InlineData(double.NaN)]
    public void A_balance_factor_neither_above_1_nor_0_is_rejected(double factor) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _rig.Router(factor));

    private RouteSelector Router(double factor)
    {
        if (!_routers.TryGetValue(factor, out var router))
        {
            _routers[factor] = router = _rig.Router(factor);
        }

        return router;
    }

    /// <summary>1 to 12 replicas, each down with probability one in four (sometimes all of them).</summary>
    private static RoutingSnapshot RandomSnapshot(string algorithm, Random random)
    {
        var table = TestTables.Table(algorithm, random.Next(1, 13));
        return TestTables.Snapshot(table, down: table.Members.Where(_ => random.Next(4) == 0).ToHashSet());
    }
}
