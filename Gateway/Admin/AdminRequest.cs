using System.Text.Json;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>The body of <c>POST /add</c> and <c>DELETE /rm</c>: <c>{"n": 2, "hostnames": ["a", "b"]}</c>.</summary>
public sealed record AdminRequest(int Count, IReadOnlyList<string> Hostnames)
{
    /// <summary>Parses the body, or says in the seed's words what is wrong with it.</summary>
    public static async Task<(AdminRequest? Request, string? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, cancellationToken);
        }
        catch (JsonException)
        {
            return (null, "Request body is not valid JSON");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "Request body must be a JSON object like {\"n\": 1, \"hostnames\": []}");
            }

            if (!root.TryGetProperty("n", out var n))
            {
                return (null, "'n' is required");
            }

            if (n.ValueKind != JsonValueKind.Number || !n.TryGetInt32(out var count))
            {
                return (null, "'n' must be an integer");
            }

            var hostnames = new List<string>();
            if (root.TryGetProperty("hostnames", out var names) && names.ValueKind != JsonValueKind.Null)
            {
                if (names.ValueKind != JsonValueKind.Array)
                {
                    return (null, "'hostnames' must be a list of names");
                }

                foreach (var name in names.EnumerateArray())
                {
                    if (name.ValueKind != JsonValueKind.String)
                    {
                        return (null, "'hostnames' must be a list of names");
                    }

                    hostnames.Add(name.GetString()!);
                }
            }

            return (new AdminRequest(count, hostnames), null);
        }
    }
}
