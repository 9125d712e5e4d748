using System.Text.Json;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>The body of <c>PUT /replicas/{name}/state</c>: <c>{"state": "drain" | "up"}</c>; other members are ignored, as in the seed's bodies.</summary>
internal static class ReplicaStateBody
{
    private const string NotObject = "Request body must be a JSON object like {\"state\": \"drain\"}";

    /// <summary>The state, or why the body does not name one.</summary>
    public static (string? State, string? Error) Read(ReadOnlyMemory<byte> body)
    {
        using var document = AdminJson.Parse(body, seedBody: false, out var invalid);
        if (document is null)
        {
            return (null, invalid);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return (null, NotObject);
        }

        string? state = null;
        foreach (var member in document.RootElement.EnumerateObject().Where(m => AdminJson.Name(m) == "state"))
        {
            if (state is not null)
            {
                return (null, AdminJson.GivenTwice("'state'"));
            }

            // Not a string, or one escaping a lone surrogate: no state is called that.
            state = member.Value.ValueKind == JsonValueKind.String ? AdminJson.Text(member.Value) : "";
        }

        return state is null ? (null, "'state' is required") : ReplicaSetRules.IsState(state) ? (state, null) : (null, ReplicaSetRules.UnknownState);
    }
}
