using System.Collections.Frozen;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>The seed's admin API (<c>/rep</c>, <c>/add</c>, <c>/rm</c>) and ours (<c>/replicas</c>, <c>/ring</c>): the route table.</summary>
internal static class AdminEndpoints
{
    /// <summary>The paths the gateway answers itself (and <c>/metrics</c>); every other path is proxied.</summary>
    public static FrozenSet<string> Paths { get; } = new[]
    {
        "/rep", "/add", "/rm", "/replicas", "/ring", "/ring/algorithm", "/ring/arcs", "/ring/view", "/metrics",
        "/healthz", "/readyz",
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

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/rep", ReplicaSetEndpoints.Rep);
        app.MapGet("/replicas", ReplicaSetEndpoints.ReplicasAsync);
        app.MapGet("/ring", RingEndpoints.Ring);
        app.MapGet("/ring/arcs", RingEndpoints.Arcs);
        app.MapGet("/ring/view", RingEndpoints.View);

        // Every endpoint that changes the cluster belongs in this group: the guard refuses cross-site callers, a
        // missing key and bodies not declared JSON before the handler reads anything.
        var changes = app.MapGroup("/").AddEndpointFilter<AdminRequestGuard>();
        changes.MapPost("/add", ReplicaSetEndpoints.AddAsync);
        changes.MapDelete("/rm", ReplicaSetEndpoints.RemoveAsync);
        changes.MapPut("/ring/algorithm", RingEndpoints.ChangeAlgorithmAsync);
        changes.MapPut("/replicas/{name}/weight", ReplicaWeightEndpoint.SetWeightAsync);
        changes.MapPut("/replicas/{name}/state", ReplicaStateEndpoint.SetAsync);
        return app;
    }
}
