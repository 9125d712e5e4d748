using Orleans.LoadBalancer.Gateway.Responses;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// <c>PUT /replicas/{name}/state {"state": "drain"}</c> takes a replica out of routing without touching the table (its
/// keys go to their next replica; requests already on it finish); <c>{"state": "up"}</c> puts it back with exactly its keys.
/// </summary>
internal static class ReplicaStateEndpoint
{
    public static async Task<IResult> SetAsync(string name, HttpContext context, IClusterClient client, RingFollower follower, ILoggerFactory loggers)
    {
        var (body, unread) = await LimitedBody.ReadAsync(context, AdminJson.MaxBodyBytes);
        if (body is null)
        {
            return unread!;
        }

        var (state, error) = ReplicaStateBody.Read(body);
        if (state is null)
        {
            return ApiEnvelope.Failure(StatusCodes.Status400BadRequest, error!);
        }

        if (!ReplicaNames.IsValid(name))
        {
            return ApiEnvelope.Failure(StatusCodes.Status404NotFound, ReplicaSetRules.DoesNotExist(name));
        }

        var result = await client.GetGrain<IReplicaManagerGrain>(RingKeys.Default).SetDraining(name, state == ReplicaSetRules.Drain);
        if (!result.Succeeded)
        {
            return ApiEnvelope.Failure(ReplicaSetEndpoints.StatusOf(result.Error), result.Message!);
        }

        try
        {
            await follower.RefreshAsync(result.Version);
        }
        catch (Exception ex)
        {
            loggers.CreateLogger(typeof(ReplicaStateEndpoint)).LogWarning(
                ex, "Could not pull ring version {Version} after a state change; the push or the next renewal brings it", result.Version);
        }

        return Results.Ok(new { message = new { name, state, version = result.Version }, status = "successful" });
    }
}
