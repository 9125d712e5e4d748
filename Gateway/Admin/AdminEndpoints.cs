using System.Collections.Frozen;
using Orleans.LoadBalancer.Gateway.Admin.Documentation;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>The seed's admin API (<c>/rep</c>, <c>/add</c>, <c>/rm</c>) and ours (<c>/replicas</c>, <c>/ring</c>): the route table.</summary>
internal static class AdminEndpoints
{
    /// <summary>The paths the gateway answers itself (and <c>/metrics</c>); every other path is proxied.</summary>
    public static FrozenSet<string> Paths { get; } = new[]
    {
        "/rep", "/add", "/rm", "/replicas", "/ring", "/ring/algorithm", "/ring/arcs", "/ring/view", "/metrics",
        "/healthz", "/readyz", AdminApiDocumentation.DocumentPath,
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>The actions of <c>/replicas/{name}/{action}</c>, the gateway's own paths too.</summary>
    public static FrozenSet<string> ReplicaActions { get; } = new[] { "state", "weight" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Whether <paramref name="path"/> is <c>/replicas/{name}/{action}</c> (one path segment for the name) for one of
    /// <see cref="ReplicaActions"/>: answered by the gateway, not proxied (a method those endpoints do not take still
    /// reaches the replicas through the catch-all).
    /// </summary>
    public static bool IsReplicaAction(string path)
    {
        const string Prefix = "/replicas/";
        if (!path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = path[Prefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && ReplicaActions.Contains(rest[(slash + 1)..]);
    }

    /// <summary>Whether a request for <paramref name="path"/> (decoded) is for the gateway itself, on a port that also proxies.</summary>
    public static bool IsOwnPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        var trimmed = path.Length > 1 && path[^1] == '/' ? path[..^1] : path;
        return Paths.Contains(trimmed) || IsReplicaAction(trimmed);
    }

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi();
        app.MapGet("/rep", ReplicaSetEndpoints.Rep).Reads<ReplicaNameList>("The replicas' names, in order of addition (the seed's /rep)");
        app.MapGet("/replicas", ReplicaSetEndpoints.ReplicasAsync).Reads<ReplicaList>("Every replica: address, state, runtime, restarts, share, weights");
        app.MapGet("/ring", RingEndpoints.Ring).Reads<RingView>("This gateway's routing snapshot; its ETag is the ring version");
        app.MapGet("/ring/arcs", RingEndpoints.Arcs).Reads<RingArcs>("The owner at 720 evenly spaced points of the hash space");
        app.MapGet("/ring/view", RingEndpoints.View).WithSummary("The ring drawn as a circle (HTML)").Produces<string>(StatusCodes.Status200OK, "text/html");

        // Every endpoint that changes the cluster belongs in this group: the guard refuses cross-site callers, a
        // missing key and bodies not declared JSON before the handler reads anything.
        var changes = app.MapGroup("/").AddEndpointFilter<AdminRequestGuard>();
        changes.MapPost("/add", ReplicaSetEndpoints.AddAsync)
            .Changes<ReplicaSetChange, ReplicaNameList>("Starts n replicas (named by hostnames, else at random), or registers running servers as replicas");
        changes.MapDelete("/rm", ReplicaSetEndpoints.RemoveAsync)
            .Changes<ReplicaSetChange, ReplicaNameList>("Removes n replicas (those named by hostnames, else at random); each drains first");
        changes.MapPut("/ring/algorithm", RingEndpoints.ChangeAlgorithmAsync)
            .Changes<RingSettingsChange, RingAlgorithm>("Changes the routing algorithm or its table sizes; with If-Match, only at that ring version", StatusCodes.Status412PreconditionFailed);
        changes.MapPut("/replicas/{name}/weight", ReplicaWeightEndpoint.SetWeightAsync)
            .Changes<WeightChange, ReplicaEntry>("Sets a replica's weight", StatusCodes.Status404NotFound);
        changes.MapPut("/replicas/{name}/state", ReplicaStateEndpoint.SetAsync)
            .Changes<StateChange, ReplicaStateAnswer>("Drains a replica (no new keys) or puts it back", StatusCodes.Status404NotFound);
        return app;
    }
}
