using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Orleans.LoadBalancer.Gateway.Responses;

/// <summary>The API's bodies, <c>{"message": …, "status": …}</c>, byte for byte the seed's (README, glossary): existing clients parse these strings.</summary>
internal static class ApiEnvelope
{
    public const string ContentType = "application/json";

    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>{"message": {"N": 3, "replicas": [...]}, "status": "successful"}</c></summary>
    public static string Replicas(IReadOnlyList<string> replicas)
    {
        var body = new StringBuilder("{\"message\": {\"N\": ");
        body.Append(replicas.Count).Append(", \"replicas\": [");
        for (var i = 0; i < replicas.Count; i++)
        {
            body.Append(i == 0 ? "" : ", ").Append(Quote(replicas[i]));
        }

        return body.Append("]}, \"status\": \"successful\"}").ToString();
    }

    /// <summary><c>{"message": "&lt;Error&gt; …", "status": "failure"}</c></summary>
    public static string Error(string message) => $"{{\"message\": {Quote("<Error> " + message)}, \"status\": \"failure\"}}";

    public static IResult Ok(IReadOnlyList<string> replicas) => Results.Content(Replicas(replicas), ContentType, Encoding.UTF8, StatusCodes.Status200OK);

    public static IResult Failure(int status, string message) => Results.Content(Error(message), ContentType, Encoding.UTF8, status);

    public static Task WriteFailureAsync(HttpResponse response, int status, string message)
    {
        response.StatusCode = status;
        response.ContentType = ContentType;
        return response.WriteAsync(Error(message));
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value, Options);
}
