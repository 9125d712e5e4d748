using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Grains.Replicas;

/// <summary>
/// <c>PUT /replicas/{name}/weight</c> inside the manager's admin turn, so that it never races an add or a remove: a
/// table change in the RingGrain, nothing started or stopped. Unknown names are <see cref="AdminError.NotFound"/>.
/// </summary>
internal sealed class ReplicaWeightChanges(ILogger logger)
{
    public async Task<AdminResult> SetAsync(IRingGrain grain, string name, int weight, RingState ring)
    {
        var names = ring.Replicas.Select(r => r.Name).ToList();
        if (!names.Contains(name, StringComparer.Ordinal))
        {
            return AdminResult.NotFound(ReplicaSetRules.DoesNotExist(name), names, ring.Version);
        }

        if (ReplicaSetRules.CheckWeight(weight) is { } invalid)
        {
            return AdminResult.Invalid(invalid, names, ring.Version);
        }

        try
        {
            var snapshot = await grain.ChangeWeights(new Dictionary<string, int>(StringComparer.Ordinal) { [name] = weight });
            logger.LogInformation("Replica {Replica} now has weight {Weight} (version {Version})", name, weight, snapshot.Version);
            return AdminResult.Success(snapshot.Replicas.Select(r => r.Name).ToList(), snapshot.Version);
        }
        catch (ArgumentException ex)
        {
            return AdminResult.Invalid(RejectionMessage.Of(ex), names, ring.Version);
        }
        catch (Exception ex)
        {
            // A timeout or a dying silo: the change may have landed all the same.
            if (await HeldAsync(grain) is { } held && held.Replicas.Any(r => r.Name == name && r.Weight == weight))
            {
                return AdminResult.Success(held.Replicas.Select(r => r.Name).ToList(), held.Version);
            }

            logger.LogWarning(ex, "Could not change the weight of replica {Replica}; nothing was changed", name);
            return AdminResult.RuntimeFailure($"Could not change the weight of '{name}': {ex.Message}", names, ring.Version);
        }
    }

    private async Task<RoutingSnapshot?> HeldAsync(IRingGrain grain)
    {
        try
        {
            return await grain.GetSnapshot();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not read the ring after a failed weight change");
            return null;
        }
    }
}
