using Microsoft.Extensions.Logging.Abstractions;
using Orleans.LoadBalancer.Grains.Ring;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Grains.Ring;

/// <summary>Slow start's loop on a ring of its own, without a grain: it reads the ring and changes weights only through its target.</summary>
public sealed class SlowStartLoopTests
{
    private static readonly SlowStartRamp Ramp = new(TimeSpan.FromMilliseconds(180));

    [Fact]
    public async Task A_ramp_steps_the_table_weight_up_to_the_whole_weight_one_change_at_a_time()
    {
        var target = new RampTarget(Ring(RoutingSettings.Slots, newcomerTableWeight: Ramp.StartWeight(3)));
        var slowStart = new SlowStart(Ramp, TimeProvider.System, target, NullLogger.Instance);
        slowStart.Start(["b"]);

        await target.Whole.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.InRange(target.Steps.Count, 1, SlowStartRamp.Steps);
        Assert.Equal(target.Steps.Order(), target.Steps);
        Assert.Equal(100, target.Ring.CurrentTable.WeightOf("a"));
        slowStart.Stop();
    }

    [Fact]
    public void Slow_start_never_applies_where_the_table_has_no_weights()
    {
        var slowStart = new SlowStart(Ramp, TimeProvider.System, new RampTarget(Ring(RoutingSettings.Classic, 100)), NullLogger.Instance);
        Assert.True(slowStart.Applies(Ring(RoutingSettings.Slots, 100)));
        Assert.False(slowStart.Applies(Ring(RoutingSettings.Classic, 100)));
    }

    private static RingGrainState Ring(string algorithm, int newcomerTableWeight) => new()
    {
        Version = 1,
        Table = RoutingTable.Create(new RoutingSettings { Algorithm = algorithm }).Add(["a", "b"], [100, newcomerTableWeight]),
        Replicas = [new ReplicaRecord("a", "http://127.0.0.1:1", "1"), new ReplicaRecord("b", "http://127.0.0.1:2", "2", Weight: 3)],
    };

    /// <summary>Applies each change to its ring as the grain would, one version each, and records the newcomer's table weight.</summary>
    private sealed class RampTarget(RingGrainState ring) : IRampTarget
    {
        private readonly TaskCompletionSource _whole = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public RingGrainState Ring { get; private set; } = ring;

        public List<int> Steps { get; } = [];

        /// <summary>Completes when the newcomer has its whole weight.</summary>
        public Task Whole => _whole.Task;

        public Task ChangeTableWeightsAsync(Func<RingGrainState, List<KeyValuePair<string, int>>> due)
        {
            lock (Steps)
            {
                var table = Ring.CurrentTable.ChangeWeights(due(Ring));
                if (ReferenceEquals(table, Ring.CurrentTable))
                {
                    // Nothing due (the loop woke a little early): no change, as the grain makes none.
                    return Task.CompletedTask;
                }

                Ring = Ring.Next(Ring.Version + 1, table, Ring.Replicas);
                Steps.Add(table.WeightOf("b"));
                if (table.WeightOf("b") == 300)
                {
                    _whole.TrySetResult();
                }
            }

            return Task.CompletedTask;
        }
    }
}
