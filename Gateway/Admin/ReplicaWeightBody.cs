using System.Text.Json;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>The body of <c>PUT /replicas/{name}/weight</c>: <c>{"weight": 3}</c>, an integer in <see cref="ReplicaSetRules"/>' range, nothing else.</summary>
internal static class ReplicaWeightBody
{
    private const string Shape = "Request body must be a JSON object like {\"weight\": 3}";

    /// <summary>The weight, or why the body is not one (a message for the seed's error shape).</summary>
    public static (int Weight, string? Error) Read(ReadOnlyMemory<byte> body)
    {
        using var document = AdminJson.Parse(body, seedBody: false, out var invalid);
        if (document is null)
        {
            return (0, invalid);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return (0, Shape);
        }

        int? weight = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (AdminJson.Name(property) is not "weight" and var unknown)
            {
                return (0, $"Unknown field '{unknown}': {Shape}");
            }

            if (weight is not null)
            {
                return (0, AdminJson.GivenTwice("'weight'"));
            }

            if (AdminJson.ReadWeight(property.Value, "'weight'", out var value) is { } error)
            {
                return (0, error);
            }

            weight = value;
        }

        return weight is { } found ? (found, null) : (0, $"'weight' is missing: {Shape}");
    }
}
