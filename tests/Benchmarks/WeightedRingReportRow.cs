using System.Text.Json.Serialization;

namespace Orleans.LoadBalancer.Benchmarks;

/// <summary>One weighted line of the report.</summary>
internal sealed record WeightedRingReportRow(
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("weights")] string Weights)
{
    [JsonPropertyName("maxShareOverIdealWeighted")] public double? MaxShareOverIdeal { get; init; }

    [JsonPropertyName("minShareOverIdealWeighted")] public double? MinShareOverIdeal { get; init; }

    [JsonPropertyName("exact")] public bool Exact { get; init; }

    [JsonPropertyName("weightChange")] public string? Change { get; init; }

    [JsonPropertyName("movedOnWeightChange")] public double? MovedOnChange { get; init; }

    [JsonPropertyName("idealMovedOnWeightChange")] public double? IdealMovedOnChange { get; init; }

    [JsonPropertyName("movedBetweenUnchanged")] public double? MovedBetweenUnchanged { get; init; }

    [JsonPropertyName("setBackRestores")] public bool? SetBackRestores { get; init; }
}
