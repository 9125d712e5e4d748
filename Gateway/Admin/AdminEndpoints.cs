using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Hosting;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>The seed's admin API (<c>/rep</c>, <c>/add</c>, <c>/rm</c>) and ours (<c>/replicas</c>, <c>/ring</c>).</summary>
public static class AdminEndpoints
{
    /// <summary>The paths the gateway answers itself (and <c>/metrics</c>); every other path is proxied.</summary>
    public static FrozenSet<string> Paths { get; } = new[]
    {
        "/rep", "/add", "/rm", "/replicas", "/ring", "/ring/algorithm", "/ring/arcs", "/ring/view", "/metrics",
        "/healthz", "/readyz",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/rep", (RingSnapshotStore store) => SeedJson.Ok(store.Current.Replicas.Select(r => r.Name).ToList()));
        var logger = app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminEndpoints));
        app.MapPost("/add", (HttpContext context, IClusterClient client, RingFollower follower, IOptions<AdminOptions> admin) =>
            ChangeAsync(context, client, follower, admin.Value, logger, AdminOperation.Add, (grain, request) => grain.Add(request.Count, request.Hostnames)));
        app.MapDelete("/rm", (HttpContext context, IClusterClient client, RingFollower follower, IOptions<AdminOptions> admin) =>
            ChangeAsync(context, client, follower, admin.Value, logger, AdminOperation.Remove, (grain, request) => grain.Remove(request.Count, request.Hostnames)));
        app.MapGet("/replicas", async (IClusterClient client) =>
        {
            var replicas = await client.GetGrain<IReplicaManagerGrain>(RingKeys.Default).GetReplicas();
            return Results.Ok(new
            {
                message = new
                {
                    N = replicas.Count,
                    replicas = replicas.Select(r => new
                    {
                        name = r.Name,
                        dnsName = ReplicaNames.Slug(r.Name),
                        address = r.Address,
                        state = r.Health.ToString().ToLowerInvariant(),
                        runtime = r.Runtime,
                        runtimeId = r.RuntimeId,
                        restarts = r.Restarts,
                        share = r.Share,
                    }),
                },
                status = "successful",
            });
        });
        app.MapGet("/ring", (RingSnapshotStore store, GatewayMetrics metrics, InFlightTracker inFlight) =>
        {
            var snapshot = store.Current;
            return Results.Ok(new
            {
                message = new
                {
                    version = snapshot.Version,
                    ring = snapshot.RingId,
                    algorithm = snapshot.Settings.Algorithm,
                    N = snapshot.Count,
                    replicas = snapshot.Replicas.Select((r, i) => new
                    {
                        name = r.Name,
                        up = r.IsUp,
                        share = snapshot.Share(i),
                        rate = metrics.RequestRate(r.Name),
                        inflight = inFlight.Of(r.Name),
                    }),
                },
                status = "successful",
            });
        });
        app.MapPut("/ring/algorithm", async (HttpContext context, IClusterClient client, RingFollower follower, RingSnapshotStore store, IOptions<AdminOptions> admin) =>
        {
            if (!IsAuthorized(context.Request, admin.Value))
            {
                return SeedJson.Failure(StatusCodes.Status401Unauthorized, "Missing or wrong API key (Authorization: Bearer <key>)");
            }

            if (await LimitedBody.ReadAsync(context.Request, AdminRequestValidator.MaxBodyBytes, context.RequestAborted) is not { } bytes)
            {
                return LimitedBody.TooLarge(context, AdminRequestValidator.MaxBodyBytes);
            }

            if (!System.Text.Unicode.Utf8.IsValid(bytes))
            {
                return SeedJson.Failure(StatusCodes.Status400BadRequest, "Request body is not valid UTF-8");
            }

            RoutingSettings settings;
            try
            {
                // Only what the body names changes; the rest stays as the ring has it now.
                using var body = System.Text.Json.JsonDocument.Parse(bytes, new System.Text.Json.JsonDocumentOptions { MaxDepth = AdminRequestValidator.MaxDepth });
                settings = SettingsChange.Apply(store.Current.Settings, body.RootElement);
            }
            catch (System.Text.Json.JsonException)
            {
                return SeedJson.Failure(StatusCodes.Status400BadRequest, "Request body is not valid JSON");
            }
            catch (InvalidOperationException)
            {
                // A string escaping a lone surrogate ("\ud800"), which JsonElement cannot turn into text.
                return SeedJson.Failure(StatusCodes.Status400BadRequest, "Request body holds a string that is not valid Unicode");
            }
            catch (ArgumentException ex)
            {
                return SeedJson.Failure(StatusCodes.Status400BadRequest, ex.Message);
            }

            try
            {
                settings.Validate();
                var snapshot = await client.GetGrain<IRingGrain>(RingKeys.Default).ChangeSettings(settings);
                follower.Adopt(snapshot);
                return Results.Ok(new { message = new { version = snapshot.Version, algorithm = snapshot.Settings.Algorithm }, status = "successful" });
            }
            catch (ArgumentException ex)
            {
                return SeedJson.Failure(StatusCodes.Status400BadRequest, ex.Message);
            }
        });
        app.MapGet("/ring/arcs", (RingSnapshotStore store) =>
        {
            // The owner at evenly spaced points of the hash space: the table as a circle, for the ring view.
            const int points = 720;
            var snapshot = store.Current;
            var owners = new string?[points];
            for (var i = 0; i < points; i++)
            {
                var owner = snapshot.Owner((ulong)i * (ulong.MaxValue / points));
                owners[i] = owner < 0 ? null : snapshot.Replicas[owner].Name;
            }

            return Results.Ok(new { message = new { version = snapshot.Version, owners }, status = "successful" });
        });
        var view = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "wwwroot", "ring-view.html"));
        app.MapGet("/ring/view", () => Results.Content(view, "text/html; charset=utf-8"));
        return app;
    }

    private static async Task<IResult> ChangeAsync(
        HttpContext context,
        IClusterClient client,
        RingFollower follower,
        AdminOptions admin,
        ILogger logger,
        AdminOperation operation,
        Func<IReplicaManagerGrain, AdminRequest, Task<AdminResult>> change)
    {
        if (!IsAuthorized(context.Request, admin))
        {
            return SeedJson.Failure(StatusCodes.Status401Unauthorized, "Missing or wrong API key (Authorization: Bearer <key>)");
        }

        if (await LimitedBody.ReadAsync(context.Request, AdminRequestValidator.MaxBodyBytes, context.RequestAborted) is not { } body)
        {
            return LimitedBody.TooLarge(context, AdminRequestValidator.MaxBodyBytes);
        }

        var (request, error) = AdminRequestValidator.Parse(body, operation);
        if (request is null)
        {
            return SeedJson.Failure(StatusCodes.Status400BadRequest, error!);
        }

        // A cluster that does not answer (a silo failing over, storage down) ends in the pipeline's 503.
        var result = await change(client.GetGrain<IReplicaManagerGrain>(RingKeys.Default), request);
        if (!result.Succeeded)
        {
            var status = result.Error == AdminError.InvalidRequest ? StatusCodes.Status400BadRequest : StatusCodes.Status503ServiceUnavailable;
            return SeedJson.Failure(status, result.Message!);
        }

        try
        {
            // This gateway answers its next request on the new ring, without waiting for the push.
            await follower.RefreshAsync(result.Version);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not pull ring version {Version} after an admin change; the push or the next renewal brings it", result.Version);
        }

        return SeedJson.Ok(result.Replicas);
    }

    private static bool IsAuthorized(HttpRequest request, AdminOptions admin)
    {
        if (string.IsNullOrEmpty(admin.ApiKey))
        {
            return true;
        }

        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()),
            Encoding.UTF8.GetBytes(admin.ApiKey));
    }
}
