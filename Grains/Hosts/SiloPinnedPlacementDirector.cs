using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Orleans.LoadBalancer.Grains.Hosts;

/// <summary>
/// The silo named by the grain's key, when it is one of the compatible (active) silos; otherwise the activation fails:
/// a host's replicas must never be started by another silo's runtime.
/// </summary>
public sealed class SiloPinnedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var key = target.GrainIdentity.Key.ToString() ?? "";
        var silo = SiloAddress.FromParsableString(key);
        return context.GetCompatibleSilos(target).Contains(silo)
            ? Task.FromResult(silo)
            : Task.FromException<SiloAddress>(new SiloUnavailableException($"Host silo {key} is not an active member of the cluster"));
    }
}
