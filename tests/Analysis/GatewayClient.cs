using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>The gateway's HTTP API, as the analysis drives it.</summary>
public sealed class GatewayClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // The default Replicas:DrainTimeout (30 s), then the stop's grace period.
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(45);

    private readonly HttpClient _http;
    private readonly string? _apiKey;

    public GatewayClient(Uri baseAddress, string? apiKey, int connections)
    {
        _apiKey = apiKey;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false, MaxConnectionsPerServer = connections + 8 })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public HttpClient Http => _http;

    public async Task<IReadOnlyList<string>> RepAsync(CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("/rep", cancellationToken));
        return document.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    public async Task<RingView> RingAsync(CancellationToken cancellationToken) =>
        (await GetAsync<RingView>("/ring", cancellationToken)).Message;

    public async Task<IReadOnlyList<ReplicaInfo>> ReplicasAsync(CancellationToken cancellationToken) =>
        (await GetAsync<ReplicaList>("/replicas", cancellationToken)).Message.Replicas;

    /// <summary>One request; the API key goes on it when <paramref name="authorize"/> and a key was given.</summary>
    public async Task<HttpReply> SendAsync(
        HttpMethod method, string path, string? json = null, bool authorize = true, string? requestId = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (requestId is not null)
        {
            request.Headers.Add("X-Request-Id", requestId);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (authorize && _apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        var replica = response.Headers.TryGetValues("X-Replica", out var values) ? values.FirstOrDefault() : null;
        return new HttpReply((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(cancellationToken), replica);
    }

    /// <summary>Starts replicas with exactly these names.</summary>
    public Task AddAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken) =>
        ChangeAsync(HttpMethod.Post, "/add", names, cancellationToken);

    /// <summary>Removes exactly the replicas with these names.</summary>
    public Task RemoveAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken) =>
        ChangeAsync(HttpMethod.Delete, "/rm", names, cancellationToken);

    public async Task SetAlgorithmAsync(string algorithm, CancellationToken cancellationToken) =>
        Ensure("PUT /ring/algorithm", await SendAsync(HttpMethod.Put, "/ring/algorithm", JsonSerializer.Serialize(new { algorithm }), cancellationToken: cancellationToken));

    /// <summary><c>PUT /replicas/{name}/weight</c>; the reply as it came, refusals included.</summary>
    public Task<HttpReply> PutWeightAsync(string name, int weight, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, $"/replicas/{Uri.EscapeDataString(name)}/weight", JsonSerializer.Serialize(new { weight }), cancellationToken: cancellationToken);

    public async Task SetWeightAsync(string name, int weight, CancellationToken cancellationToken) =>
        Ensure($"PUT /replicas/{name}/weight {weight}", await PutWeightAsync(name, weight, cancellationToken));

    /// <summary>Seeded random 6-digit request ids, as the seed's clients send.</summary>
    public static string[] RandomIds(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(100_000, 1_000_000).ToString(CultureInfo.InvariantCulture)).ToArray();
    }

    public void Dispose() => _http.Dispose();

    private async Task ChangeAsync(HttpMethod method, string path, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        if (names.Count == 0)
        {
            return;
        }

        var body = JsonSerializer.Serialize(new { n = names.Count, hostnames = names });
        var reply = await SendAsync(method, path, body, cancellationToken: cancellationToken);

        // A replica that /rm just removed drains before it stops, and /add refuses its name until then (the manager's
        // message is the only sign of it: /replicas no longer lists it). The study adds the same names again and again.
        var deadline = DateTime.UtcNow + DrainWait;
        while (method == HttpMethod.Post && reply.Status == 400 && reply.Body.Contains("is still draining", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, cancellationToken);
            reply = await SendAsync(method, path, body, cancellationToken: cancellationToken);
        }

        Ensure($"{method} {path} {body}", reply);
    }

    private async Task<Envelope<T>> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        JsonSerializer.Deserialize<Envelope<T>>(await _http.GetStringAsync(path, cancellationToken), Json)
        ?? throw new InvalidOperationException($"{path} answered null");

    private static void Ensure(string request, HttpReply reply)
    {
        if (reply.Status != 200)
        {
            throw new InvalidOperationException($"{request}: the gateway answered {reply.Status} {reply.Body}");
        }
    }

    private sealed record Envelope<T>(T Message, string Status);

    private sealed record ReplicaList(IReadOnlyList<ReplicaInfo> Replicas);
}

public sealed record HttpReply(int Status, string? ContentType, string Body, string? Replica);

/// <summary>The routing snapshot as <c>GET /ring</c> shows it.</summary>
public sealed record RingView(long Version, string Algorithm, IReadOnlyList<RingMember> Replicas)
{
    public IReadOnlyList<string> Names => Replicas.Select(r => r.Name).ToList();

    /// <summary>The largest exact key-space share over the ideal 1/N (1 is perfect).</summary>
    public double MaxShareOverIdeal => Replicas.Count == 0 ? 0 : Replicas.Max(r => r.Share) * Replicas.Count;

    public bool AllUp => Replicas.All(r => r.Up);
}

/// <summary>One replica of <c>/ring</c>; <c>EffectiveWeight</c> is below <c>Weight</c> during slow start (0: a gateway without weights).</summary>
public sealed record RingMember(string Name, bool Up, double Share, int Weight = 0, int EffectiveWeight = 0);

/// <summary>One entry of <c>GET /replicas</c>.</summary>
public sealed record ReplicaInfo(string Name, string Address, string State, string Runtime, string? RuntimeId, int Weight = 0);
