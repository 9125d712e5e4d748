using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orleans.LoadBalancer.BackendServer;

internal static class Replies
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>{"message": "…", "status": "successful"}</c>, as the seed's replicas answer.</summary>
    public static string Json(string message) => $"{{\"message\": {JsonSerializer.Serialize(message, Options)}, \"status\": \"successful\"}}";
}
