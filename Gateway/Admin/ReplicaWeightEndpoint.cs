using Orleans.LoadBalancer.Gateway.Responses;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// <c>PUT /replicas/{name}/weight {"weight": 3}</c>: 200 with the replica as <c>/replicas</c> shows it, 400 for a bad
/// body or weight (or any weight but 1 under <c>classic</c>), 404 for an unknown replica; a refused request changes nothing.
/// </summary>
internal static class ReplicaWeightEndpoint
{
    internal static async Task<IResult> SetWeightAsync(
        string name, HttpContext context, IClusterClient client, RingFollower follower, RingSnapshotStore store, ILoggerFactory loggers)
    {
        var (body, unread) = await LimitedBody.ReadAsync(context, AdminJson.MaxBodyBytes);
        if (body is null)
        {
            return unread!;
        }

        var (weight, error) = ReplicaWeightBody.Read(body);
        if (error is not null)
        {
            return ApiEnvelope.Failure(StatusCodes.Status400BadRequest, error);
        }

        var manager = client.GetGrain<IReplicaManagerGrain>(RingKeys.Default);
        var result = await manager.SetWeight(name, weight);
        if (!result.Succeeded)
        {
            return ApiEnvelope.Failure(result.Error switch
            {
                AdminError.NotFound => StatusCodes.Status404NotFound,
                AdminError.InvalidRequest => StatusCodes.Status400BadRequest,
                _ => StatusCodes.Status503ServiceUnavailable,
            }, result.Message!);
        }

        try
        {
            await follower.RefreshAsync(result.Version);
        }
        catch (Exception ex)
        {
            loggers.CreateLogger(typeof(ReplicaWeightEndpoint)).LogWarning(
                ex, "Could not pull ring version {Version} after a weight change; the push or the next renewal brings it", result.Version);
        }

        var replica = (await manager.GetReplicas()).FirstOrDefault(r => r.Name == name);
        return replica is null
            ? ApiEnvelope.Failure(StatusCodes.Status404NotFound, $"Replica '{ReplicaNames.Escape(name)}' was removed meanwhile")
            : ReplicaJson.One(replica, store.Current);
    }
}
