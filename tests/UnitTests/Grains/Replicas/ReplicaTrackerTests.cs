using Orleans.LoadBalancer.Grains.Replicas;

namespace Orleans.LoadBalancer.UnitTests.Grains.Replicas;

/// <summary>
/// Which names a round leaves alone: busy ones, and ones released after the round took its mark (the ring it read may
/// be older than their change).
/// </summary>
public sealed class ReplicaTrackerTests
{
    [Fact]
    public void A_name_released_after_the_mark_is_unsettled_and_one_released_before_is_not()
    {
        var tracker = new ReplicaTracker(TimeProvider.System);
        tracker.Busy.UnionWith(["early", "late", "still"]);
        tracker.Release(["early"]);

        var mark = tracker.Mark;
        tracker.Release(["late"]);

        var unsettled = tracker.Unsettled(mark);
        Assert.Equal(["late", "still"], unsettled.Order(StringComparer.Ordinal));
        Assert.Empty(tracker.Unsettled(tracker.Mark).Except(["still"]));
    }

    [Fact]
    public void A_round_that_read_the_ring_before_a_replacement_finished_does_not_act_on_that_name()
    {
        var tracker = new ReplicaTracker(TimeProvider.System);
        var mark = tracker.Mark;
        tracker.Busy.Add("replica-1");

        // The replacement finishes (ring updated, name released) while the round still awaits its ring read.
        tracker.Release(["replica-1"]);

        Assert.Contains("replica-1", tracker.Unsettled(mark));
        Assert.DoesNotContain("replica-1", tracker.Busy);
    }

    [Fact]
    public void Old_releases_are_forgotten_once_far_behind_any_mark_a_round_can_hold()
    {
        var tracker = new ReplicaTracker(TimeProvider.System);
        var mark = tracker.Mark;
        foreach (var i in Enumerable.Range(0, 5000))
        {
            tracker.Release([$"replica-{i}"]);
        }

        var unsettled = tracker.Unsettled(mark);
        Assert.InRange(unsettled.Count, 1024, 2048);
        Assert.Contains("replica-4999", unsettled);
        Assert.DoesNotContain("replica-0", unsettled);
    }
}
