using Orleans.LoadBalancer.Gateway.Responses;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>The seed's <c>/rep</c>, <c>/add</c> and <c>/rm</c>, and <c>/replicas</c>.</summary>
internal static class ReplicaSetEndpoints
{
    public static IResult Rep(RingSnapshotStore store) => ApiEnvelope.Ok(store.Current.Replicas.Select(r => r.Name).ToList());

    public static Task<IResult> AddAsync(HttpContext context, IClusterClient client, RingFollower follower, GatewayAddresses gateway, ILoggerFactory loggers) =>
        ChangeAsync(context, client, follower, loggers, AdminOperation.Add, (grain, request) => request.Replicas is { } external
            ? gateway.Refuse(external) is { } refused
                ? Task.FromResult(AdminResult.Invalid(refused, [], 0))
                : grain.AddExternal(external)
            : grain.AddWeighted(request.Count, request.Hostnames, request.Weight));

    public static Task<IResult> RemoveAsync(HttpContext context, IClusterClient client, RingFollower follower, ILoggerFactory loggers) =>
        ChangeAsync(context, client, follower, loggers, AdminOperation.Remove, (grain, request) => grain.Remove(request.Count, request.Hostnames));

    public static async Task<IResult> ReplicasAsync(IClusterClient client, RingSnapshotStore store)
    {
        var replicas = await client.GetGrain<IReplicaManagerGrain>(RingKeys.Default).GetReplicas();
        return ReplicaJson.List(replicas, store.Current);
    }

    /// <summary>The HTTP status of a failed admin change.</summary>
    public static int StatusOf(AdminError error) => error switch
    {
        AdminError.InvalidRequest => StatusCodes.Status400BadRequest,
        AdminError.NotFound => StatusCodes.Status404NotFound,
        _ => StatusCodes.Status503ServiceUnavailable,
    };

    private static async Task<IResult> ChangeAsync(
        HttpContext context,
        IClusterClient client,
        RingFollower follower,
        ILoggerFactory loggers,
        AdminOperation operation,
        Func<IReplicaManagerGrain, AdminRequest, Task<AdminResult>> change)
    {
        var (body, unread) = await LimitedBody.ReadAsync(context, AdminJson.MaxBodyBytes);
        if (body is null)
        {
            return unread!;
        }

        var (request, error) = AdminRequestBody.Read(body, operation);
        if (request is null)
        {
            return ApiEnvelope.Failure(StatusCodes.Status400BadRequest, error!);
        }

        // A cluster that does not answer (a silo failing over, storage down) ends in the pipeline's 503.
        var result = await change(client.GetGrain<IReplicaManagerGrain>(RingKeys.Default), request);
        if (!result.Succeeded)
        {
            return ApiEnvelope.Failure(StatusOf(result.Error), result.Message!);
        }

        try
        {
            // This gateway answers its next request on the new ring, without waiting for the push.
            await follower.RefreshAsync(result.Version);
        }
        catch (Exception ex)
        {
            loggers.CreateLogger(typeof(AdminEndpoints)).LogWarning(
                ex, "Could not pull ring version {Version} after an admin change; the push or the next renewal brings it", result.Version);
        }

        return ApiEnvelope.Ok(result.Replicas);
    }
}
