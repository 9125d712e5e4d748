using System.Text.Json;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Replicas;

/// <summary>A replica's weight: an integer from <see cref="Min"/> to <see cref="Max"/>, <see cref="Default"/> when not given.</summary>
public static class ReplicaWeights
{
    public const int Min = 1;
    public const int Max = RoutingTable.MaxWeight;
    public const int Default = 1;

    public static bool IsValid(int weight) => weight is >= Min and <= Max;

    /// <summary>The error for the weight at <paramref name="field"/> (e.g. <c>'weight'</c>), naming it.</summary>
    public static string Error(string field) => $"{field} must be an integer from {Min} to {Max}";

    /// <summary>
    /// Reads a weight at the reader's current token: a JSON integer literal from 1 to 100 (<c>"2"</c>, <c>2.5</c>,
    /// <c>2.0</c>, <c>true</c> and <c>null</c> are not). Skips whatever the token is; null when valid, else the error.
    /// </summary>
    public static string? Read(ref Utf8JsonReader reader, string field, out int weight)
    {
        weight = Default;
        var valid = reader.TokenType == JsonTokenType.Number
            && !reader.ValueSpan.ContainsAny(".eE"u8)
            && reader.TryGetInt32(out weight)
            && IsValid(weight);
        reader.Skip();
        return valid ? null : Error(field);
    }
}
