using System.Text.Json;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// The body of <c>PUT /ring/algorithm</c>: <c>{"algorithm": "maglev"}</c>, optionally with <c>slotCount</c>,
/// <c>pointsPerReplica</c> or <c>maglevTableSize</c>. What the body does not name keeps the ring's current value.
/// </summary>
public static class SettingsChange
{
    public static RoutingSettings Apply(RoutingSettings current, JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("Request body must be a JSON object like {\"algorithm\": \"maglev\"}");
        }

        var settings = current;
        foreach (var property in body.EnumerateObject())
        {
            settings = property.Name.ToLowerInvariant() switch
            {
                "algorithm" => settings with { Algorithm = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : throw Invalid(property) },
                "slotcount" => settings with { SlotCount = Integer(property) },
                "pointsperreplica" => settings with { PointsPerReplica = Integer(property) },
                "maglevtablesize" => settings with { MaglevTableSize = Integer(property) },
                _ => throw new ArgumentException($"Unknown setting '{property.Name}': use algorithm, slotCount, pointsPerReplica or maglevTableSize"),
            };
        }

        return settings;
    }

    private static int Integer(JsonProperty property) =>
        property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var value) ? value : throw Invalid(property);

    private static ArgumentException Invalid(JsonProperty property) =>
        new($"'{property.Name}' has an invalid value: {property.Value.GetRawText()}");
}
