using System.Text.Json;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// <c>POST /add {"replicas": [{"name": "api-7", "address": "http://10.0.0.7:8080", "weight": 2, "protocol": "h2c"}]}</c>:
/// existing backends by address, each with the protocol the gateways speak to it (<c>http1</c> when not given) and
/// optionally its own health check, <c>"healthPath": "/ready", "healthStatus": 204</c> (a status as a number or a string,
/// or a range, <c>"200-399"</c>; checked by <see cref="ReplicaSetRules"/>). Errors name the entry and field
/// (<c>'replicas[1].address'</c>); other members are ignored.
/// </summary>
internal static class ExternalReplicaListBody
{
    public const string NotList = "'replicas' must be a list of objects like {\"name\": \"api-7\", \"address\": \"http://10.0.0.7:8080\", \"weight\": 2}";

    private static readonly string[] Members = ["name", "address", "weight", "protocol", "healthPath", "healthStatus"];

    /// <summary>The request for the list, its addresses in canonical form, or the first error.</summary>
    public static (AdminRequest? Request, string? Error) Read(JsonElement list)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            return (null, NotList);
        }

        var replicas = new List<ReplicaRecord>();
        foreach (var entry in list.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object)
            {
                return (null, NotList);
            }

            var (replica, error) = ReadEntry(entry, ReplicaSetRules.ExternalField(replicas.Count));
            if (error is not null)
            {
                return (null, error);
            }

            replicas.Add(replica!);
        }

        return ReplicaSetRules.ValidateExternal(replicas) is { } invalid
            ? (null, invalid)
            : (new AdminRequest(replicas.Count, replicas.Select(r => r.Name).ToList(), Replicas: replicas), null);
    }

    private static (ReplicaRecord? Replica, string? Error) ReadEntry(JsonElement entry, Func<string, string> field)
    {
        var given = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var member in entry.EnumerateObject())
        {
            var known = AdminJson.Name(member);
            if (!Members.Contains(known))
            {
                continue;
            }

            if (!given.TryAdd(known, member.Value))
            {
                return (null, AdminJson.GivenTwice(field(known)));
            }

            if (known == "healthStatus" && member.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
            {
                return (null, $"{field(known)} must be a status (204) or a range of them (\"200-399\")");
            }

            if (known is not ("weight" or "healthStatus") && member.Value.ValueKind != JsonValueKind.String)
            {
                return (null, $"{field(known)} must be a string");
            }

            if (known == "weight" && AdminJson.ReadWeight(member.Value, field(known), out _) is { } badWeight)
            {
                return (null, badWeight);
            }
        }

        if (!given.TryGetValue("name", out var nameValue))
        {
            return (null, $"{field("name")} is required");
        }

        var name = AdminJson.Text(nameValue);
        if (!ReplicaNames.IsValid(name))
        {
            return (null, ReplicaSetRules.InvalidName(field("name"), name));
        }

        var protocol = ReplicaProtocol.Http1;
        if (given.TryGetValue("protocol", out var protocolValue))
        {
            if (ReplicaProtocols.Parse(AdminJson.Text(protocolValue)) is not { } named)
            {
                return (null, ReplicaProtocols.Invalid(field("protocol")));
            }

            protocol = named;
        }

        var weight = given.TryGetValue("weight", out var w) && AdminJson.ReadWeight(w, field("weight"), out var read) is null ? read : ReplicaSetRules.DefaultWeight;
        var (address, addressError) = ReplicaAddresses.Normalize(given.TryGetValue("address", out var a) ? AdminJson.Text(a) : null, field("address"));
        var healthPath = given.TryGetValue("healthPath", out var p) ? AdminJson.Text(p) : "";
        var healthStatus = !given.TryGetValue("healthStatus", out var s) ? "" : s.ValueKind == JsonValueKind.Number ? s.GetRawText() : AdminJson.Text(s);
        return addressError is null ? (ExternalReplicas.Of(name, address!, weight, protocol, healthPath, healthStatus), null) : (null, addressError);
    }
}
