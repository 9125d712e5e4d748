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

    public static IResult Ring(RingSnapshotStore store, GatewayMetrics metrics, InFlightTracker inFlight)
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
                    weight = r.Weight,
                    effectiveWeight = r.EffectiveWeight,
                    draining = r.Draining,
                    rate = metrics.RequestRate(r.Name),
                    inflight = inFlight.Of(r.Name),
                }),
            },
            status = "successful",
        });
    }

    public static async Task<IResult> ChangeAlgorithmAsync(HttpContext context, IClusterClient client, RingFollower follower, RingSnapshotStore store)
    {
        var (bytes, unread) = await LimitedBody.ReadAsync(context, AdminJson.MaxBodyBytes);
        if (bytes is null)
        {
            return unread!;
        }

        // Only what the body names changes; the rest stays as the ring has it now.
        var (settings, error) = RingSettingsBody.Read(bytes, store.Current.Settings);
        if (settings is null)
        {
            return ApiEnvelope.Failure(StatusCodes.Status400BadRequest, error!);
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
