using Orleans.Placement;
using Orleans.Runtime;

namespace Orleans.LoadBalancer.Grains.Hosts;

/// <summary>Places a grain on the silo its key names (a <see cref="SiloAddress"/> in parsable form), and nowhere else.</summary>
[Serializable, GenerateSerializer, Immutable, Alias("Orleans.LoadBalancer.Grains.Hosts.SiloPinnedPlacement")]
public sealed class SiloPinnedPlacement : PlacementStrategy
{
    public static SiloPinnedPlacement Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class SiloPinnedPlacementAttribute() : PlacementAttribute(SiloPinnedPlacement.Instance);
