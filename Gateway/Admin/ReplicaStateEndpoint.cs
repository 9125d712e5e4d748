using System.Text.Json;
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
    public const string Drain = "drain";
    public const string Up = "up";

    private const string NotObject = "Request body must be a JSON object like {\"state\": \"drain\"}";
    private const string BadState = "'state' must be \"drain\" or \"up\"";

    public static async Task<IResult> SetAsync(string name, HttpContext context, IClusterClient client, RingFollower follower, ILoggerFactory loggers)
    {
        var (body, unread) = await LimitedBody.ReadAsync(context, AdminRequestValidator.MaxBodyBytes);
        if (body is null)
        {
            return unread!;
        }

        var (state, error) = Parse(body);
        if (state is null)
        {
            return SeedJson.Failure(StatusCodes.Status400BadRequest, error!);
        }

        if (!ReplicaNames.IsValid(name))
        {
            return SeedJson.Failure(StatusCodes.Status404NotFound, $"Replica '{ReplicaNames.Escape(name)}' does not exist");
        }

        var result = await client.GetGrain<IReplicaManagerGrain>(RingKeys.Default).SetDraining(name, state == Drain);
        if (!result.Succeeded)
        {
            return SeedJson.Failure(ReplicaSetEndpoints.StatusOf(result.Error), result.Message!);
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

    /// <summary><c>{"state": "drain" | "up"}</c>; other members are ignored, as in the seed's bodies.</summary>
    internal static (string? State, string? Error) Parse(byte[] body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            return (null, "Request body is not valid UTF-8");
        }

        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = AdminRequestValidator.MaxDepth });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, NotObject);
            }

            string? state = null;
            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (member.NameEquals("state"))
                {
                    if (state is not null)
                    {
                        return (null, "'state' is given more than once");
                    }

                    state = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() : "";
                }
            }

            return state switch
            {
                null => (null, "'state' is required"),
                Drain or Up => (state, null),
                _ => (null, BadState),
            };
        }
        catch (JsonException)
        {
            return (null, "Request body is not valid JSON");
        }
        catch (InvalidOperationException)
        {
            return (null, BadState);
        }
    }
}
