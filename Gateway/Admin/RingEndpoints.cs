using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Responses;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary><c>/ring</c>, <c>PUT /ring/algorithm</c>, <c>/ring/arcs</c> and <c>/ring/view</c>.</summary>
internal static class RingEndpoints
{
    private static readonly Lazy<string> ViewPage = new(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "wwwroot", "ring-view.html")));

    public static IResult Ring(HttpContext context, RingSnapshotStore store, GatewayMetrics metrics, InFlightTracker inFlight)
    {
        var snapshot = store.Current;
        context.Response.Headers.ETag = RingVersionTag.Of(snapshot.Version);
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
                    weight = r.Weight,
                    effectiveWeight = r.EffectiveWeight,
                    draining = r.Draining,
                    rate = metrics.RequestRate(r.Name),
                    inflight = inFlight.Of(r.Name),
                }),
                settings = new
                {
                    slotCount = snapshot.Settings.SlotCount,
                    pointsPerReplica = snapshot.Settings.PointsPerReplica,
                    maglevTableSize = snapshot.Settings.MaglevTableSize,
                },
            },
            status = "successful",
        });
    }

    /// <summary>
    /// Merges the body into the settings the ring has when the RingGrain takes the change (two partial changes sent at
    /// once both take effect); with <c>If-Match</c>, only at the named ring version, else 412 and nothing changes.
    /// </summary>
    public static async Task<IResult> ChangeAlgorithmAsync(HttpContext context, IClusterClient client, RingFollower follower)
    {
        var (bytes, unread) = await LimitedBody.ReadAsync(context, AdminJson.MaxBodyBytes);
        if (bytes is null)
        {
            return unread!;
        }

        var (change, error) = RingSettingsBody.Read(bytes);
        if (change is null)
        {
            return ApiEnvelope.Failure(StatusCodes.Status400BadRequest, error!);
        }

        try
        {
            var ifMatch = RingVersionTag.IfMatch(context.Request);
            var (snapshot, preconditionFailed) = await client.GetGrain<IRingGrain>(RingKeys.Default).ChangeSettings(change, ifMatch);
            follower.Adopt(snapshot);
            context.Response.Headers.ETag = RingVersionTag.Of(snapshot.Version);
            return preconditionFailed
                ? ApiEnvelope.Failure(StatusCodes.Status412PreconditionFailed, ifMatch is { Count: > 0 }
                    ? $"The ring is at version {snapshot.Version}, not {string.Join(" or ", ifMatch)} as If-Match requires; nothing was changed"
                    : $"If-Match names no version of the ring (it is at version {snapshot.Version}); nothing was changed")
                : Results.Ok(new { message = new { version = snapshot.Version, algorithm = snapshot.Settings.Algorithm }, status = "successful" });
        }
        catch (ArgumentException ex)
        {
            return ApiEnvelope.Failure(StatusCodes.Status400BadRequest, RejectionMessage.Of(ex));
        }
    }

    /// <summary>The owner at evenly spaced points of the hash space: the table as a circle, for the ring view.</summary>
    public static IResult Arcs(RingSnapshotStore store)
    {
        const int points = 720;
        var snapshot = store.Current;
        var owners = new string?[points];
        for (var i = 0; i < points; i++)
        {
            var owner = snapshot.Owner((ulong)i * (ulong.MaxValue / points));
            owners[i] = owner < 0 ? null : snapshot.Replicas[owner].Name;
        }

        return Results.Ok(new { message = new { version = snapshot.Version, owners }, status = "successful" });
    }

    public static IResult View() => Results.Content(ViewPage.Value, "text/html; charset=utf-8");
}
