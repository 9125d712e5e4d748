using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c> against the real answers: every status a real request gets is
/// documented for its path and method, and its body has exactly the members the document's schema names, recursively.
/// Every documented operation is exercised. The requests change nothing (refusals, or a value set to what it is).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AdminApiDocumentTests(ClusterFixture fixture)
{
    private const string Key = ClusterFixture.ApiKey;

    [Fact]
    public async Task Every_real_answer_is_documented_with_its_status_and_exactly_its_members()
    {
        var gateway = fixture.ProtectedGateway;
        using var document = JsonDocument.Parse(await gateway.Http.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;
        using var ring = await gateway.GetJsonAsync("/ring");
        var algorithm = ring.RootElement.GetProperty("message").GetProperty("algorithm").GetString()!;

        (HttpMethod Method, string Template, string Path, string? Body, string? Key, int Status, Action<HttpRequestMessage>? Extra)[] cases =
        [
            (HttpMethod.Get, "/rep", "/rep", null, null, 200, null),
            (HttpMethod.Get, "/replicas", "/replicas", null, null, 200, null),
            (HttpMethod.Get, "/ring", "/ring", null, null, 200, null),
            (HttpMethod.Get, "/ring/arcs", "/ring/arcs", null, null, 200, null),
            (HttpMethod.Get, "/ring/view", "/ring/view", null, null, 200, null),
            (HttpMethod.Post, "/add", "/add", """{"n": 1}""", null, 401, null),
            (HttpMethod.Post, "/add", "/add", """{"n": 1}""", Key, 403, r => r.Headers.Add("Origin", "https://elsewhere.example")),
            (HttpMethod.Post, "/add", "/add", "n=1", Key, 415, r => r.Content!.Headers.ContentType = new MediaTypeHeaderValue("text/plain")),
            (HttpMethod.Post, "/add", "/add", """{"n": 0}""", Key, 400, null),
            (HttpMethod.Post, "/add", "/add", $$"""{"n": 1, "pad": "{{new string('x', 70_000)}}"}""", Key, 413, null),
            (HttpMethod.Delete, "/rm", "/rm", """{"n": 1, "hostnames": ["nope"]}""", Key, 400, null),
            (HttpMethod.Put, "/ring/algorithm", "/ring/algorithm", """{"algorithm": "nope"}""", Key, 400, null),
            (HttpMethod.Put, "/ring/algorithm", "/ring/algorithm", $$"""{"algorithm": "{{algorithm}}"}""", Key, 412, r => r.Headers.TryAddWithoutValidation("If-Match", "\"no-such-version\"")),
            (HttpMethod.Put, "/ring/algorithm", "/ring/algorithm", $$"""{"algorithm": "{{algorithm}}"}""", Key, 200, null),
            (HttpMethod.Put, "/replicas/{name}/weight", "/replicas/nope/weight", """{"weight": 2}""", Key, 404, null),
            (HttpMethod.Put, "/replicas/{name}/weight", "/replicas/Server%201/weight", """{"weight": 1}""", Key, 200, null),
            (HttpMethod.Put, "/replicas/{name}/weight", "/replicas/Server%201/weight", """{"weight": "heavy"}""", Key, 400, null),
            (HttpMethod.Put, "/replicas/{name}/state", "/replicas/nope/state", """{"state": "up"}""", Key, 404, null),
            (HttpMethod.Put, "/replicas/{name}/state", "/replicas/Server%201/state", """{"state": "up"}""", Key, 200, null),
        ];

        var exercised = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (method, template, path, body, key, status, extra) in cases)
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            if (key is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }

            extra?.Invoke(request);
            using var response = await gateway.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var what = $"{method} {path} → {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}";
            Assert.True((int)response.StatusCode == status, $"expected {status}: {what}");

            Assert.True(root.GetProperty("paths").TryGetProperty(template, out var pathItem), $"{template} is not documented: {what}");
            Assert.True(pathItem.TryGetProperty(method.Method.ToLowerInvariant(), out var operation), $"{method} {template} is not documented: {what}");
            exercised.Add($"{method.Method.ToUpperInvariant()} {template}");
            Assert.True(operation.GetProperty("responses").TryGetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var documented),
                $"status {status} is not documented: {what}");
            var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
            var content = documented.TryGetProperty("content", out var contents) && contents.TryGetProperty(mediaType, out var found) ? found : default;
            Assert.True(content.ValueKind == JsonValueKind.Object, $"{mediaType} is not documented for {status}: {what}");
            if (mediaType == "application/json")
            {
                using var answer = JsonDocument.Parse(text);
                AssertMatches(root, answer.RootElement, content.GetProperty("schema"), $"{what}\n  at $");
            }
        }

        var documentedOperations = root.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"));
        Assert.Empty(documentedOperations.Except(exercised));
    }

    /// <summary>The value has exactly the members the schema names, each of the schema's type, recursively.</summary>
    private static void AssertMatches(JsonElement document, JsonElement value, JsonElement schema, string where)
    {
        schema = Resolve(document, schema);
        var types = schema.TryGetProperty("type", out var type)
            ? type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!]
            : [];
        if (value.ValueKind == JsonValueKind.Null)
        {
            Assert.True(types.Contains("null"), $"null where the schema does not allow it: {where}");
            return;
        }

        if (schema.TryGetProperty("properties", out var properties))
        {
            Assert.Equal(JsonValueKind.Object, value.ValueKind);
            var expected = properties.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            var actual = value.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            Assert.True(expected.SequenceEqual(actual), $"members [{string.Join(", ", actual)}], documented [{string.Join(", ", expected)}]: {where}");
            foreach (var property in properties.EnumerateObject())
            {
                AssertMatches(document, value.GetProperty(property.Name), property.Value, $"{where}.{property.Name}");
            }

            return;
        }

        var kind = value.ValueKind switch
        {
            JsonValueKind.Array => "array",
            JsonValueKind.String => "string",
            JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "object",
        };
        Assert.True(types.Count == 0 || types.Contains(kind) || (kind == "integer" && types.Contains("number")),
            $"a {kind} where the schema says {string.Join(" or ", types)}: {where}");
        if (kind == "array" && schema.TryGetProperty("items", out var items))
        {
            foreach (var (item, i) in value.EnumerateArray().Take(3).Select((item, i) => (item, i)))
            {
                AssertMatches(document, item, items, $"{where}[{i}]");
            }
        }
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Replace("#/components/schemas/", "", StringComparison.Ordinal);
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }

        return schema;
    }
}
