using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>The seed's response bodies, which the gateway must reproduce byte for byte.</summary>
public static class SeedBodies
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Replicas(IEnumerable<string> names)
    {
        var list = names.ToList();
        return $"{{\"message\": {{\"N\": {list.Count}, \"replicas\": [{string.Join(", ", list.Select(Quote))}]}}, \"status\": \"successful\"}}";
    }

    public static string Error(string message) => $"{{\"message\": {Quote("<Error> " + message)}, \"status\": \"failure\"}}";

    public static string Message(string message) => $"{{\"message\": {Quote(message)}, \"status\": \"successful\"}}";

    private static string Quote(string value) => JsonSerializer.Serialize(value, Options);
}
