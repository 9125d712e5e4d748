using System.Text.Json.Serialization;

namespace Orleans.LoadBalancer.Benchmarks;

/// <summary>One line of the report; JSON names as the issue asks for them.</summary>
internal sealed record RingReportRow(
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("replicas")] int Replicas)
{
    [JsonPropertyName("error")] public string? Error { get; init; }

    [JsonPropertyName("maxShareOverIdeal")] public double? MaxShareOverIdeal { get; init; }

    [JsonPropertyName("remapOnAddExact")] public double? RemapOnAddExact { get; init; }

    [JsonPropertyName("remapOnAddOverIdeal")] public double? RemapOnAddOverIdeal { get; init; }

    [JsonPropertyName("movedBetweenOldExact")] public double? MovedBetweenOldExact { get; init; }

    [JsonPropertyName("movedBetweenOld")] public double? MovedBetweenOld { get; init; }

    [JsonPropertyName("removeRestores")] public bool? RemoveRestores { get; init; }

    [JsonPropertyName("lookupNs")] public double? LookupNs { get; init; }

    [JsonPropertyName("rebuildOnAddMs")] public double? RebuildOnAddMs { get; init; }

    [JsonPropertyName("rebuildOnRemoveMs")] public double? RebuildOnRemoveMs { get; init; }

    [JsonPropertyName("snapshotBytes")] public int? SnapshotBytes { get; init; }
}
