using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.UnitTests.Routing;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy;

/// <summary>Outlier detection with the gateway's real suspects and router: an ejected replica's keys go to their next replicas.</summary>
public sealed class OutlierDetectorTests : IDisposable
{
    private readonly RouteSelectorRig _rig = new();
    private readonly RoutingSnapshot _snapshot;

    public OutlierDetectorTests() => _snapshot = _rig.Install(TestTables.Snapshot(TestTables.Table(RoutingSettings.Slots, 4)));

    public void Dispose() => _rig.Dispose();

    private static OutlierOptions Options(int failures = 5, int percent = 50, int baseMs = 30_000) => new()
    {
        ConsecutiveFailures = failures,
        MaxEjectionPercent = percent,
        BaseEjectionTime = TimeSpan.FromMilliseconds(baseMs),
        MaxEjectionTime = TimeSpan.FromMinutes(5),
    };

    [Fact]
    public void The_fifth_failure_in_a_row_ejects_the_replica_and_its_keys_go_to_their_next_replicas()
    {
        var replica = _snapshot.Replicas[0];
        var key = TestTables.Keys(200).First(k => _snapshot.Route(_snapshot.Hash(k)) == 0);
        var router = _rig.Router(0);

        for (var i = 0; i < 4; i++)
        {
            _rig.Outliers.Failed(replica, _snapshot, Options());
        }

        Assert.False(_rig.Outliers.IsEjected(replica.Address, Environment.TickCount64));
        var before = router.Choose(RouteSelectorRig.Request(key), _snapshot);
        router.Release(before, before.Index);
        Assert.Equal(0, before.Index);

        _rig.Outliers.Failed(replica, _snapshot, Options());

        Assert.True(_rig.Outliers.IsEjected(replica.Address, Environment.TickCount64));
        Assert.True(_rig.IsSuspect(replica));
        var after = router.Choose(RouteSelectorRig.Request(key), _snapshot);
        router.Release(after, after.Index);
        Assert.NotEqual(0, after.Index);
    }

    [Fact]
    public void A_success_starts_the_count_again()
    {
        var replica = _snapshot.Replicas[1];
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 4; i++)
            {
                _rig.Outliers.Failed(replica, _snapshot, Options());
            }

            _rig.Outliers.Succeeded(replica);
        }

        Assert.False(_rig.Outliers.IsEjected(replica.Address, Environment.TickCount64));
        Assert.False(_rig.IsSuspect(replica));
    }

    [Fact]
    public void No_more_than_the_share_of_replicas_is_ejected_at_once()
    {
        foreach (var replica in _snapshot.Replicas)
        {
            for (var i = 0; i < 5; i++)
            {
                _rig.Outliers.Failed(replica, _snapshot, Options(percent: 50));
            }
        }

        Assert.Equal(2, _snapshot.Replicas.Count(r => _rig.Outliers.IsEjected(r.Address, Environment.TickCount64)));
    }

    [Fact]
    public void An_ejected_replica_gets_its_keys_back_once_the_ejection_time_has_passed()
    {
        var replica = _snapshot.Replicas[2];
        for (var i = 0; i < 2; i++)
        {
            _rig.Outliers.Failed(replica, _snapshot, Options(failures: 2, baseMs: 100));
        }

        Assert.True(_rig.IsSuspect(replica));
        Thread.Sleep(300);

        Assert.False(_rig.Outliers.IsEjected(replica.Address, Environment.TickCount64));
        Assert.False(_rig.IsSuspect(replica));
    }

    [Fact]
    public void With_ejection_off_no_failure_ejects()
    {
        var replica = _snapshot.Replicas[3];
        for (var i = 0; i < 50; i++)
        {
            _rig.Outliers.Failed(replica, _snapshot, Options(failures: 0));
        }

        Assert.False(_rig.IsSuspect(replica));
    }

    [Fact]
    public void Counting_a_success_allocates_nothing()
    {
        var replica = _snapshot.Replicas[1];
        _rig.Outliers.Failed(replica, _snapshot, Options());

        var (bytes, _) = AllocationProbe.Steady(() =>
        {
            _rig.Outliers.Succeeded(replica);
            return 0;
        });

        Assert.Equal(0, bytes);
    }
}
