using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Routing;

/// <summary>Two snapshots that route alike: same version, replicas, shares, and owner, route and preference order for many hashes and keys.</summary>
internal static class SameRouting
{
    public static void Assert(RoutingSnapshot expected, RoutingSnapshot actual)
    {
        Xunit.Assert.Equal(expected.Version, actual.Version);
        Xunit.Assert.Equal(expected.RingId, actual.RingId);
        Xunit.Assert.Equal(expected.Epoch, actual.Epoch);
        Xunit.Assert.Equal(expected.Settings, actual.Settings);
        Xunit.Assert.Equal(expected.Replicas, actual.Replicas);
        Xunit.Assert.Equal(expected.UpCount, actual.UpCount);
        Xunit.Assert.Equal(expected.TableBytes, actual.TableBytes);
        Xunit.Assert.Equal(Enumerable.Range(0, expected.Count).Select(expected.Share), Enumerable.Range(0, actual.Count).Select(actual.Share));
        var (order, actualOrder) = (new int[expected.Count], new int[actual.Count]);
        var random = new Random(7);
        for (var i = 0; i < 3000; i++)
        {
            var hash = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
            Xunit.Assert.Equal(expected.Owner(hash), actual.Owner(hash));
            Xunit.Assert.Equal(expected.Route(hash), actual.Route(hash));
            Xunit.Assert.Equal(expected.PreferenceOrder(hash, order), actual.PreferenceOrder(hash, actualOrder));
            Xunit.Assert.Equal(order, actualOrder);
        }

        foreach (var key in TestTables.Keys(500))
        {
            Xunit.Assert.Equal(expected.Route(expected.Hash(key)), actual.Route(actual.Hash(key)));
        }
    }
}
