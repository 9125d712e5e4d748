using System.Text.Json;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>One request of A-3's endpoint tour, what it should get, and what it got.</summary>
public sealed record EndpointCheck(string Request, string Expected, string Got, bool Passed);

/// <summary>
/// A-3, first part: every endpoint once, its status and body checked against the seed's strings (or, for our own
/// endpoints, their shape). Leaves the replica set as it found it.
/// </summary>
public sealed class EndpointChecks(GatewayClient gateway, bool withKey)
{
    private const string RequestId = "123456";
    private const string MetricName = "lb_gateway_requests_total";

    private readonly List<EndpointCheck> _checks = [];

    public async Task<IReadOnlyList<EndpointCheck>> RunAsync(CancellationToken cancellationToken)
    {
        var ring = await gateway.RingAsync(cancellationToken);
        var names = await gateway.RepAsync(cancellationToken);
        var extra = Enumerable.Range(1, 100).Select(i => $"A3-check-{i}").First(n => !names.Contains(n));
        var missing = Enumerable.Range(1, 100).Select(i => $"no-such-replica-{i}").First(n => !names.Contains(n));

        await ExactAsync(HttpMethod.Get, "/rep", null, 200, SeedBodies.Replicas(names), cancellationToken);
        var home = await gateway.SendAsync(HttpMethod.Get, "/home", requestId: RequestId, cancellationToken: cancellationToken);
        Add($"GET /home (X-Request-Id: {RequestId})", $"200 {SeedBodies.Message("Hello from Server: <X-Replica>")}, X-Replica one of /rep", home,
            home.Status == 200 && home.Replica is not null && names.Contains(home.Replica) && home.Body == SeedBodies.Message($"Hello from Server: {home.Replica}"));
        var heartbeat = await gateway.SendAsync(HttpMethod.Get, "/heartbeat", requestId: RequestId, cancellationToken: cancellationToken);
        Add("GET /heartbeat", "200, empty body", heartbeat, heartbeat.Status == 200 && heartbeat.Body.Length == 0);
        await ExactAsync(HttpMethod.Get, "/other", null, 400, SeedBodies.Error("'/other' endpoint does not exist in server replicas"), cancellationToken);

        await ExactAsync(HttpMethod.Post, "/add", Body(1, extra), 200, SeedBodies.Replicas(names.Append(extra)), cancellationToken);
        await ExactAsync(HttpMethod.Post, "/add", Body(1, "a", "b"), 400, SeedBodies.Error("Length of hostname list is more than newly added instances"), cancellationToken);
        await ExactAsync(HttpMethod.Post, "/add", """{"n": "x"}""", 400, SeedBodies.Error("'n' must be an integer"), cancellationToken);
        await ExactAsync(HttpMethod.Delete, "/rm", Body(1, "a", "b"), 400, SeedBodies.Error("Length of hostname list is more than removable instances"), cancellationToken);
        await ExactAsync(HttpMethod.Delete, "/rm", Body(1, missing), 400, SeedBodies.Error($"Replica '{missing}' does not exist"), cancellationToken);
        await ExactAsync(HttpMethod.Delete, "/rm", Body(1, extra), 200, SeedBodies.Replicas(names), cancellationToken);
        if (withKey)
        {
            await ExactAsync(HttpMethod.Post, "/add", Body(1, extra), 401, SeedBodies.Error("Missing or wrong API key (Authorization: Bearer <key>)"), cancellationToken, authorize: false);
            var after = await gateway.RepAsync(cancellationToken);
            Add("GET /rep after the refused /add", "the same replicas", new HttpReply(200, null, string.Join(", ", after), null), after.SequenceEqual(names));
        }

        await JsonAsync("/replicas", "200, every replica of /rep with address and runtime", cancellationToken, message =>
            message.GetProperty("replicas").EnumerateArray().Select(r => (
                Name: r.GetProperty("name").GetString(),
                Ok: r.GetProperty("address").GetString() is { Length: > 0 } && r.GetProperty("runtime").GetString() is { Length: > 0 })).ToList() is var rs
            && rs.All(r => r.Ok) && rs.Select(r => r.Name!).Order(StringComparer.Ordinal).SequenceEqual(names.Order(StringComparer.Ordinal)));
        await JsonAsync("/ring", "200, version, algorithm, the replicas of /rep, shares adding up to 1", cancellationToken, message =>
            message.GetProperty("version").GetInt64() > 0
            && message.GetProperty("algorithm").GetString() is { Length: > 0 }
            && message.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("name").GetString()!).SequenceEqual(ring.Names)
            && Math.Abs(message.GetProperty("replicas").EnumerateArray().Sum(r => r.GetProperty("share").GetDouble()) - 1) < 1e-6);
        await JsonAsync("/ring/arcs", "200, owners around the circle, each a replica of /rep", cancellationToken, message =>
            message.GetProperty("owners").EnumerateArray().ToList() is { Count: > 0 } owners
            && owners.All(o => o.ValueKind == JsonValueKind.Null || names.Contains(o.GetString()!)));
        var view = await gateway.SendAsync(HttpMethod.Get, "/ring/view", cancellationToken: cancellationToken);
        Add("GET /ring/view", "200 text/html", view with { Body = view.ContentType ?? "" }, view.Status == 200 && view.ContentType == "text/html");
        var metrics = await gateway.SendAsync(HttpMethod.Get, "/metrics", cancellationToken: cancellationToken);
        var line = metrics.Body.Split('\n').FirstOrDefault(l => l.StartsWith(MetricName, StringComparison.Ordinal)) ?? "";
        Add("GET /metrics", $"200, contains {MetricName}", metrics with { Body = line }, metrics.Status == 200 && line.Length > 0);

        var before = await gateway.RingAsync(cancellationToken);
        var bad = await gateway.SendAsync(HttpMethod.Put, "/ring/algorithm", """{"algorithm": "no-such-algorithm"}""", cancellationToken: cancellationToken);
        var unchanged = await gateway.RingAsync(cancellationToken);
        Add("PUT /ring/algorithm `{\"algorithm\": \"no-such-algorithm\"}`", $"400 `<Error> …`, ring version stays {before.Version}",
            bad with { Body = $"{bad.Body} → version {unchanged.Version}, {unchanged.Algorithm}" },
            bad.Status == 400 && IsSeedError(bad.Body) && unchanged.Version == before.Version && unchanged.Algorithm == before.Algorithm);
        return _checks;
    }

    private async Task ExactAsync(HttpMethod method, string path, string? body, int status, string expected, CancellationToken cancellationToken, bool authorize = true)
    {
        var reply = await gateway.SendAsync(method, path, body, authorize, cancellationToken: cancellationToken);
        var request = $"{method} {path}" + (body is null ? "" : $" `{body}`") + (authorize ? "" : " without the key");
        Add(request, $"{status} `{expected}`", reply, reply.Status == status && reply.Body == expected);
    }

    private async Task JsonAsync(string path, string expected, CancellationToken cancellationToken, Func<JsonElement, bool> valid)
    {
        var reply = await gateway.SendAsync(HttpMethod.Get, path, cancellationToken: cancellationToken);
        bool passed;
        try
        {
            using var document = JsonDocument.Parse(reply.Body);
            passed = reply.Status == 200 && valid(document.RootElement.GetProperty("message"));
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            passed = false;
        }

        Add($"GET {path}", expected, reply, passed);
    }

    private void Add(string request, string expected, HttpReply reply, bool passed)
    {
        var body = reply.Body.ReplaceLineEndings(" ");
        _checks.Add(new EndpointCheck(request, expected, $"{reply.Status} `{(body.Length > 110 ? body[..110] + "…" : body)}`", passed));
    }

    private static bool IsSeedError(string body) =>
        body.StartsWith("{\"message\": \"<Error> ", StringComparison.Ordinal) && body.EndsWith("\"status\": \"failure\"}", StringComparison.Ordinal);

    private static string Body(int n, params string[] hostnames) =>
        $"{{\"n\": {n}, \"hostnames\": [{string.Join(", ", hostnames.Select(h => $"\"{h}\""))}]}}";
}
