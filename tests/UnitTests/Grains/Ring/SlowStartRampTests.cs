using Orleans.LoadBalancer.Grains.Ring;

namespace Orleans.LoadBalancer.UnitTests.Grains.Ring;

/// <summary>Slow start's rule: time → effective (table) weight.</summary>
public sealed class SlowStartRampTests
{
    private static readonly SlowStartRamp Ramp = new(TimeSpan.FromSeconds(9));

    [Theory]
    [InlineData(0.0, 10)]
    [InlineData(0.5, 10)]
    [InlineData(1.0, 20)]
    [InlineData(4.99, 50)]
    [InlineData(5.0, 60)]
    [InlineData(8.99, 90)]
    [InlineData(9.0, 100)]
    [InlineData(60.0, 100)]
    public void A_replica_of_weight_one_gains_a_tenth_at_each_step(double seconds, int tableWeight) =>
        Assert.Equal(tableWeight, Ramp.TableWeight(1, TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void The_weight_rises_in_nine_steps_from_a_tenth_to_the_whole_weight_and_never_falls()
    {
        foreach (var weight in new[] { 1, 3, 7, 100 })
        {
            var seen = new List<int>();
            for (var ms = 0; ms <= 10_000; ms += 10)
            {
                var now = Ramp.TableWeight(weight, TimeSpan.FromMilliseconds(ms));
                Assert.True(seen.Count == 0 || now >= seen[^1], $"weight {weight} fell at {ms} ms");
                if (seen.Count == 0 || now != seen[^1])
                {
                    seen.Add(now);
                }
            }

            Assert.Equal(SlowStartRamp.Steps + 1, seen.Count);
            Assert.Equal(weight * 10, seen[0]);
            Assert.Equal(weight * 100, seen[^1]);
        }
    }

    [Fact]
    public void The_next_step_is_when_the_weight_changes()
    {
        var elapsed = TimeSpan.Zero;
        var steps = 0;
        while (Ramp.NextStep(elapsed) is { } next)
        {
            Assert.True(next > elapsed);
            Assert.Equal(Ramp.TableWeight(2, elapsed), Ramp.TableWeight(2, next - TimeSpan.FromTicks(1)));
            Assert.True(Ramp.TableWeight(2, next) > Ramp.TableWeight(2, elapsed));
            elapsed = next;
            steps++;
        }

        Assert.Equal(SlowStartRamp.Steps, steps);
        Assert.Equal(Ramp.Duration, elapsed);
    }

    [Fact]
    public void A_resumed_ramp_goes_on_from_its_level()
    {
        var at = Ramp.TableWeight(4, TimeSpan.FromSeconds(3.5));
        var resumed = Ramp.ElapsedAt(4, at);
        Assert.Equal(at, Ramp.TableWeight(4, resumed));
        Assert.True(resumed <= TimeSpan.FromSeconds(3.5));
    }

    [Fact]
    public void Off_means_the_whole_weight_at_once()
    {
        var off = new SlowStartRamp(TimeSpan.Zero);
        Assert.False(off.Enabled);
        Assert.Equal(300, off.StartWeight(3));
        Assert.Null(off.NextStep(TimeSpan.Zero));
    }
}
