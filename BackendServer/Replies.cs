using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orleans.LoadBalancer.BackendServer;

internal static class Replies
{
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>{"message": "…", "status": "successful"}</c>, as the seed's replicas answer.</summary>
    public static string Json(string message) => $"{{\"message\": {JsonSerializer.Serialize(message, Options)}, \"status\": \"successful\"}}";

    /// <summary><c>{"message": "&lt;Error&gt; …", "status": "failure"}</c>, the seed's error shape.</summary>
    public static string Failure(string message) => $"{{\"message\": {JsonSerializer.Serialize("<Error> " + message, Options)}, \"status\": \"failure\"}}";
}
