using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Grains.Interfaces.Ring;

/// <summary>A partial settings change keeps whatever it does not name, so two changes applied one after the other both hold.</summary>
public sealed class RoutingSettingsChangeTests
{
    [Fact]
    public void Two_partial_changes_applied_in_turn_both_take_effect()
    {
        var current = new RoutingSettings { Algorithm = RoutingSettings.Slots, PointsPerReplica = 256, SlotCount = 1024 };

        var merged = new RoutingSettingsChange(PointsPerReplica: 4).ApplyTo(new RoutingSettingsChange(Algorithm: RoutingSettings.Ring).ApplyTo(current));

        Assert.Equal(current with { Algorithm = RoutingSettings.Ring, PointsPerReplica = 4 }, merged);
        Assert.Equal(current, new RoutingSettingsChange().ApplyTo(current));
    }
}
