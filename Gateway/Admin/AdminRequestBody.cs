using System.Text.Json;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// The body of <c>POST /add</c> and <c>DELETE /rm</c>: <c>{"n": 2, "hostnames": ["a", "b"]}</c> (<c>hostnames</c>
/// optional, null meaning none; on <c>/add</c> an optional <c>weight</c>), or on <c>/add</c> <c>{"replicas": [...]}</c>
/// (<see cref="ExternalReplicaListBody"/>). Other members are ignored, as the seed does. Every rule that needs no
/// cluster state is checked here (<see cref="ReplicaSetRules"/>); the manager checks the rest.
/// </summary>
internal static class AdminRequestBody
{
    private const string NotObject = "Request body must be a JSON object like {\"n\": 1, \"hostnames\": []}";
    private const string NotInteger = "'n' must be an integer";
    private const string NotNames = "'hostnames' must be a list of names";

    public static (AdminRequest? Request, string? Error) Read(ReadOnlyMemory<byte> body, AdminOperation operation)
    {
        using var document = AdminJson.Parse(body, seedBody: true, out var invalid);
        if (document is null)
        {
            return (null, invalid);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return (null, NotObject);
        }

        string[] members = operation == AdminOperation.Add ? ["n", "hostnames", "weight", "replicas"] : ["n", "hostnames"];
        var given = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var member in document.RootElement.EnumerateObject())
        {
            var name = AdminJson.Name(member);
            if (members.Contains(name) && !given.TryAdd(name, member.Value))
            {
                return (null, AdminJson.GivenTwice($"'{name}'"));
            }
        }

        if (given.TryGetValue("replicas", out var replicas))
        {
            return given.Count > 1 ? (null, ReplicaSetRules.ExternalWithCount) : ExternalReplicaListBody.Read(replicas);
        }

        if (!given.TryGetValue("n", out var n))
        {
            return (null, "'n' is required");
        }

        var count = 0L;
        var countError = n.ValueKind == JsonValueKind.Number && AdminJson.TryReadWhole(n, out count) ? ReplicaSetRules.CheckCount(count) : NotInteger;
        var (hostnames, namesError) = given.TryGetValue("hostnames", out var list) ? ReadNames(list) : ([], null);
        var weight = ReplicaSetRules.DefaultWeight;
        var weightError = given.TryGetValue("weight", out var w) ? AdminJson.ReadWeight(w, "'weight'", out weight) : null;
        var error = countError ?? namesError ?? weightError ?? ReplicaSetRules.CheckNames(count, hostnames!, operation);
        return error is null ? (new AdminRequest((int)count, hostnames!, weight), null) : (null, error);
    }

    /// <summary>The list under <c>hostnames</c>, its strings as written (see <see cref="AdminJson.Text"/>).</summary>
    private static (List<string>? Names, string? Error) ReadNames(JsonElement list)
    {
        if (list.ValueKind == JsonValueKind.Null)
        {
            return ([], null);
        }

        if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            return (null, NotNames);
        }

        return (list.EnumerateArray().Select(AdminJson.Text).ToList(), null);
    }
}
