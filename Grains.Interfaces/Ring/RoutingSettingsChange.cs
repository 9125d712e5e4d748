using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Ring;

/// <summary>
/// A partial change of the routing settings, as <c>PUT /ring/algorithm</c> names it: what is null keeps the ring's
/// current value. Applied by the RingGrain inside its turn, so two partial changes sent at once both take effect.
/// </summary>
[GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Ring.RoutingSettingsChange")]
public sealed record RoutingSettingsChange(
    [property: Id(0)] string? Algorithm = null,
    [property: Id(1)] int? SlotCount = null,
    [property: Id(2)] int? PointsPerReplica = null,
    [property: Id(3)] int? MaglevTableSize = null)
{
    /// <summary><paramref name="current"/> with what this change names.</summary>
    public RoutingSettings ApplyTo(RoutingSettings current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return current with
        {
            Algorithm = Algorithm ?? current.Algorithm,
            SlotCount = SlotCount ?? current.SlotCount,
            PointsPerReplica = PointsPerReplica ?? current.PointsPerReplica,
            MaglevTableSize = MaglevTableSize ?? current.MaglevTableSize,
        };
    }
}
