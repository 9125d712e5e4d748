using System.Text.Json;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>The body of <c>PUT /replicas/{name}/weight</c>: <c>{"weight": 3}</c>, an integer in <see cref="ReplicaWeights"/>'s range, nothing else.</summary>
public static class ReplicaWeightBody
{
    /// <summary>The weight, or why the body is not one (a message for the seed's error shape).</summary>
    public static (int Weight, string? Error) Parse(ReadOnlySpan<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            return (0, "Request body is not valid UTF-8");
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = AdminRequestValidator.MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                return (0, "Request body is not valid JSON");
            }

            return Read(document.RootElement);
        }
        catch (JsonException)
        {
            return (0, "Request body is not valid JSON");
        }
    }

    private static (int Weight, string? Error) Read(JsonElement body)
    {
        const string Shape = "Request body must be a JSON object like {\"weight\": 3}";
        if (body.ValueKind != JsonValueKind.Object)
        {
            return (0, Shape);
        }

        int? weight = null;
        foreach (var property in body.EnumerateObject())
        {
            if (!property.NameEquals("weight"))
            {
                return (0, $"Unknown field '{property.Name}': {Shape}");
            }

            if (weight is not null)
            {
                return (0, "'weight' is given more than once");
            }

            if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out var value) || !ReplicaWeights.IsValid(value))
            {
                return (0, $"{ReplicaWeights.Error("'weight'")}, not {Shorten(property.Value.GetRawText())}");
            }

            weight = value;
        }

        return weight is { } found ? (found, null) : (0, $"'weight' is missing: {Shape}");
    }

    private static string Shorten(string raw) => raw.Length <= 40 ? raw : raw[..40] + "…";
}
