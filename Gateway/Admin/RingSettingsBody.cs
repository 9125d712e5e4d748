using System.Text.Json;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// The body of <c>PUT /ring/algorithm</c>: <c>{"algorithm": "maglev"}</c>, optionally with <c>slotCount</c>,
/// <c>pointsPerReplica</c> or <c>maglevTableSize</c>. What the body does not name keeps the value
/// the ring has when the RingGrain applies the change (<see cref="RoutingSettingsChange"/>).
/// </summary>
internal static class RingSettingsBody
{
    // Limits on what the admin API may ask for, tighter than RoutingSettings.Validate (which also checks configuration
    // and stored rings, so tightening it could leave a stored ring unloadable). Every table lives in the RingGrain's
    // state and in each gateway, and a whole copy travels with every snapshot push, so a change must not make it huge:
    // - slotCount ≤ 2^20: a slot table is two int arrays (owners, history heads) plus history, 8+ bytes a slot:
    //   ≈ 8 MiB at 2^20, against ≈ 128 MiB at Validate's 2^24 (the default is 65536).
    // - maglevTableSize ≤ 2^20 (a prime, so ≤ 1048573): 2 bytes an entry and a rebuild, O(M) at best, on every
    //   membership change: ≈ 2 MiB at 2^20, against 32 MiB at Validate's 16777259 (the default is 65537).
    // - pointsPerReplica ≤ 4096: 4096 × 1024 replicas (the most Replicas:MaxCount allows) = 2^22 points =
    //   RoutingSettings.MaxRingPoints, so no replica count the cluster allows makes the ring exceed that bound or
    //   refuse a replica (the default is 256).

    /// <summary>The largest <c>slotCount</c> the admin API accepts.</summary>
    public const int MaxSlotCount = 1 << 20;

    /// <summary>The largest <c>maglevTableSize</c> the admin API accepts.</summary>
    public const int MaxMaglevTableSize = 1 << 20;

    /// <summary>The largest <c>pointsPerReplica</c> the admin API accepts.</summary>
    public const int MaxPointsPerReplica = RoutingSettings.MaxRingPoints / ReplicaSetRules.MaxReplicas;

    /// <summary>The change the body asks for, or why it cannot be read (a message for the seed's error shape).</summary>
    public static (RoutingSettingsChange? Change, string? Error) Read(ReadOnlyMemory<byte> body)
    {
        using var document = AdminJson.Parse(body, seedBody: false, out var invalid);
        if (document is null)
        {
            return (null, invalid);
        }

        try
        {
            return (Apply(document.RootElement), null);
        }
        catch (InvalidOperationException)
        {
            // A string escaping a lone surrogate ("\ud800"), which JsonElement cannot turn into text.
            return (null, "Request body holds a string that is not valid Unicode");
        }
        catch (ArgumentException ex)
        {
            return (null, RejectionMessage.Of(ex));
        }
    }

    private static RoutingSettingsChange Apply(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("Request body must be a JSON object like {\"algorithm\": \"maglev\"}");
        }

        var change = new RoutingSettingsChange();
        foreach (var property in body.EnumerateObject())
        {
            change = property.Name.ToLowerInvariant() switch
            {
                "algorithm" => change with { Algorithm = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : throw Invalid(property) },
                "slotcount" => change with { SlotCount = Limited(property, MaxSlotCount) },
                "pointsperreplica" => change with { PointsPerReplica = Limited(property, MaxPointsPerReplica) },
                "maglevtablesize" => change with { MaglevTableSize = Limited(property, MaxMaglevTableSize) },
                _ => throw new ArgumentException($"Unknown setting '{property.Name}': use algorithm, slotCount, pointsPerReplica or maglevTableSize"),
            };
        }

        return change;
    }

    private static int Limited(JsonProperty property, int max)
    {
        var value = Integer(property);
        return value <= max ? value : throw new ArgumentException($"'{property.Name}' must be at most {max}, not {value}");
    }

    private static int Integer(JsonProperty property) =>
        property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var value) ? value : throw Invalid(property);

    private static ArgumentException Invalid(JsonProperty property) =>
        new($"'{property.Name}' has an invalid value: {property.Value.GetRawText()}");
}
