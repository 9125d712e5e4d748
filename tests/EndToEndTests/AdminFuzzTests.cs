using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// Thousands of random and mutated <c>/add</c> and <c>/rm</c> bodies against a live gateway: never a 5xx or a dropped
/// connection, every rejection at once (within a bound a loaded machine meets), and the replicas at the end exactly what the accepted ones imply.
/// </summary>
public sealed class AdminFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int MaxCount = 8;
    private const int Requests = 3000;
    private const int Seed = 20261107;
    private static readonly TimeSpan RejectionBound = TimeSpan.FromSeconds(5);

    private LoadBalancerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LoadBalancerCluster.StartAsync(
        siloSettings: new Dictionary<string, string> { ["Replicas__MaxCount"] = $"{MaxCount}", ["Replicas__InitialCount"] = "2" },
        expectedReplicas: 2);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Random_and_mutated_admin_bodies_are_answered_quickly_and_only_accepted_ones_change_the_replicas()
    {
        var http = _cluster.Gateway.Http;
        var fuzzer = new AdminBodyFuzzer(Seed);
        var expected = new List<string> { "Server 1", "Server 2" };
        var failures = new List<string>();
        var slow = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        var accepted = 0;
        var maxRejected = TimeSpan.Zero;
        var slowest = new List<(TimeSpan Elapsed, string What)>();
        var acceptedKinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();

        for (var i = 0; i < Requests; i++)
        {
            var fuzz = fuzzer.Next(expected, MaxCount);
            var started = Stopwatch.GetTimestamp();
            HttpStatusCode status;
            string body;
            try
            {
                using var response = await http.SendAsync(Request(fuzz));
                body = await response.Content.ReadAsStringAsync();
                status = response.StatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                failures.Add($"#{i} no answer ({ex.GetType().Name}: {ex.Message}) to {fuzz.Describe()}");
                continue;
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            var code = (int)status;
            statuses[code] = statuses.GetValueOrDefault(code) + 1;
            if (code is < 200 or >= 500 or (>= 300 and < 400))
            {
                failures.Add($"#{i} {code} {body} to {fuzz.Describe()}");
                continue;
            }

            var boundary = fuzz.Kind == "boundary" && fuzz.DeclaredJson;
            if (fuzz.RequiredStatus is { } required && code != required || boundary && code != 400)
            {
                failures.Add($"#{i} {code} instead of {(boundary ? 400 : fuzz.RequiredStatus)} {body} to {fuzz.Describe()}");
            }

            if (fuzz.Kind == "valid" && code != 200)
            {
                failures.Add($"#{i} {code} {body} to a body built valid for [{string.Join(", ", expected)}]: {fuzz.Describe()}");
            }

            if (code >= 400)
            {
                maxRejected = elapsed > maxRejected ? elapsed : maxRejected;
                slowest.Add((elapsed, $"{code} {fuzz.Describe(80)}"));
                if (elapsed > RejectionBound)
                {
                    slow.Add($"#{i} {elapsed.TotalMilliseconds:0} ms, {code} to {fuzz.Describe()}");
                }

                if (FailureShape(body) is { } shape)
                {
                    failures.Add($"#{i} {code} {shape}: {body} to {fuzz.Describe()}");
                }

                continue;
            }

            accepted++;
            acceptedKinds[fuzz.Kind] = acceptedKinds.GetValueOrDefault(fuzz.Kind) + 1;
            var after = Replicas(body);
            if (Explain(fuzz, expected, after) is { } wrong)
            {
                failures.Add($"#{i} accepted, but {wrong}: [{string.Join(", ", expected)}] → [{string.Join(", ", after)}] by {fuzz.Describe()}");
            }

            expected = [.. after];
        }

        var rep = await _cluster.Gateway.GetReplicaNamesAsync();
        output.WriteLine(
            $"{Requests} requests in {clock.Elapsed.TotalSeconds:0.0} s (seed {Seed}): {accepted} accepted, rejected by status " +
            $"{string.Join(", ", statuses.Where(s => s.Key >= 400).Select(s => $"{s.Key}×{s.Value}"))}; " +
            $"slowest rejection {maxRejected.TotalMilliseconds:0} ms; replicas at the end [{string.Join(", ", rep)}]");
        output.WriteLine($"accepted by kind: {string.Join(", ", acceptedKinds.Select(k => $"{k.Key}×{k.Value}"))}");
        foreach (var (elapsed, what) in slowest.OrderByDescending(s => s.Elapsed).Take(8))
        {
            output.WriteLine($"  {elapsed.TotalMilliseconds:0} ms: {what}");
        }

        Assert.True(failures.Count == 0, $"{failures.Count} wrong answers:\n{string.Join("\n", failures.Take(40))}");
        Assert.True(slow.Count == 0, $"{slow.Count} rejections took over {RejectionBound.TotalSeconds} s:\n{string.Join("\n", slow.Take(40))}");
        Assert.Equal(expected, rep);
        Assert.InRange(accepted, 5, Requests / 10);
        Assert.True(statuses.GetValueOrDefault(400) > Requests / 2, "most bodies are rejected as bad requests");
        Assert.True(statuses.GetValueOrDefault(413) > 0, "some bodies are over the limit");
        Assert.True(statuses.GetValueOrDefault(415) > 0, "some bodies are not declared JSON");
    }

    private static HttpRequestMessage Request(FuzzCase fuzz)
    {
        HttpContent content = fuzz.Chunked ? new ChunkedContent(fuzz.Body) : new ByteArrayContent(fuzz.Body);
        if (fuzz.ContentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", fuzz.ContentType);
        }

        return new HttpRequestMessage(fuzz.Path == "/add" ? HttpMethod.Post : HttpMethod.Delete, fuzz.Path) { Content = content };
    }

    /// <summary>Null when <paramref name="body"/> is the seed's failure shape, else what is wrong with it.</summary>
    private static string? FailureShape(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.GetProperty("status").GetString() == "failure" && root.GetProperty("message").GetString()!.StartsWith("<Error> ", StringComparison.Ordinal)
                ? null
                : "not the seed's failure shape";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "not the seed's failure shape";
        }
    }

    private static List<string> Replicas(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    /// <summary>
    /// Null when <paramref name="after"/> is what the accepted request makes of <paramref name="before"/>: an add appends
    /// n names, those it gave first, in order; a removal takes n out, those it gave among them, and keeps the order.
    /// The request is read with System.Text.Json, independently of the gateway's parser, when that can read it.
    /// </summary>
    private static string? Explain(FuzzCase fuzz, IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        var (count, hostnames) = Independent(fuzz.Body);
        if (fuzz.Path == "/add")
        {
            if (!after.Take(before.Count).SequenceEqual(before))
            {
                return "the old replicas are not kept first";
            }

            var added = after.Skip(before.Count).ToList();
            if (added.Count == 0 || added.Count > MaxCount || added.Any(before.Contains) || added.Distinct().Count() != added.Count)
            {
                return "the added names are not new and distinct";
            }

            return count is null || added.Count == count && added.Take(hostnames!.Count).SequenceEqual(hostnames) ? null : $"it does not add n = {count} starting with its names";
        }

        var removed = before.Except(after).ToList();
        if (!before.Where(after.Contains).SequenceEqual(after) || after.Count + removed.Count != before.Count)
        {
            return "the remaining replicas are not the old ones in their order";
        }

        return count is null || removed.Count == count && hostnames!.All(removed.Contains) ? null : $"it does not remove n = {count} including its names";
    }

    private static (int? Count, List<string>? Hostnames) Independent(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var names = root.TryGetProperty("hostnames", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(e => e.GetString()!).ToList()
                : [];
            return root.GetProperty("n").TryGetInt32(out var n) ? (n, names) : (null, null);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            return (null, null);
        }
    }
}
