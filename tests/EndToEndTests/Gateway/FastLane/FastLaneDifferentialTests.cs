using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

/// <summary>
/// The fast lane against Kestrel's: the same generated requests, written on raw sockets (cut at random offsets, some
/// pipelined, some abandoned mid-body), go through a gateway with <c>Gateway:FastLane</c> on and one with it off to the
/// same recording replica. For each request, what the replica received (request line, fields, body hash) and what the
/// client got back (status line, fields but <c>Date</c>, body hash) must be the same on both.
/// </summary>
[Collection(FastLaneCollection.Name)]
public sealed class FastLaneDifferentialTests(FastLaneFixture fixture, ITestOutputHelper output)
{
    private const int Requests = 3000;
    private const int LargeBodies = 6;
    private static readonly TimeSpan ScriptLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Generated_requests_fare_the_same_through_both_lanes()
    {
        var seed = Environment.GetEnvironmentVariable("FASTLANE_SEED") is { Length: > 0 } given
            ? int.Parse(given, System.Globalization.CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        output.WriteLine($"seed {seed} (FASTLANE_SEED={seed} repeats this corpus)");
        var scripts = DifferentialCorpus.Generate(seed, Requests, LargeBodies);
        var requests = scripts.SelectMany(s => s.Requests).ToDictionary(r => r.Case);
        output.WriteLine($"{requests.Values.Count(r => r.Chunked)} with chunked bodies, {requests.Values.Count(r => r.BodyLength >= 1024 * 1024)} of 1 MB or more, "
            + $"{scripts.Sum(s => s.Groups.Count(g => g.Count > 1))} pipelined groups, {requests.Values.Count(r => r.Abort)} abandoned mid-body, {requests.Values.Count(r => r.Close)} with Connection: close");

        var before = fixture.Replica.Received.Count;
        var laneBefore = await FastLaneMetrics.RequestsAsync(fixture.Fast);
        var clock = Stopwatch.StartNew();
        var answers = new ConcurrentDictionary<(string Gateway, string Case), string>();
        await Parallel.ForEachAsync(scripts, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (script, _) =>
        {
            await Task.WhenAll(
                RunAsync(FastLaneFixture.FastName, script, seed, answers),
                RunAsync(FastLaneFixture.KestrelName, script, seed, answers));
        });
        await fixture.Replica.QuietAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"{requests.Count} requests on {scripts.Count} connections through each gateway in {clock.Elapsed.TotalSeconds:F1} s");

        // The silo's health checks aside.
        var arrived = fixture.Replica.Received.Skip(before).Where(r => r.RequestLine != "GET / HTTP/1.1").ToList();
        var received = arrived.GroupBy(r => (r.Gateway, r.Case)).ToDictionary(g => g.Key, g => g.ToList());
        var differences = arrived
            .Where(r => !requests.ContainsKey(r.Case) || r.Gateway is not (FastLaneFixture.FastName or FastLaneFixture.KestrelName))
            .Select(r => $"The replica received '{r.RequestLine}' (X-Case '{r.Case}', Via '{string.Join(", ", r.Head.Values("Via"))}'), which no client sent as a request of its own")
            .ToList();
        foreach (var request in requests.Values.OrderBy(r => int.Parse(r.Case[1..], System.Globalization.CultureInfo.InvariantCulture)))
        {
            var fastAnswer = answers.GetValueOrDefault((FastLaneFixture.FastName, request.Case), "(not sent: the connection ended before it)");
            var kestrelAnswer = answers.GetValueOrDefault((FastLaneFixture.KestrelName, request.Case), "(not sent: the connection ended before it)");
            var fastSeen = Seen(request, received.GetValueOrDefault((FastLaneFixture.FastName, request.Case), []));
            var kestrelSeen = Seen(request, received.GetValueOrDefault((FastLaneFixture.KestrelName, request.Case), []));
            if (request.Abort)
            {
                // Whether the head reached the replica before the reset is timing; a whole request never may.
                if (fastSeen.Contains("complete: True", StringComparison.Ordinal) || kestrelSeen.Contains("complete: True", StringComparison.Ordinal))
                {
                    differences.Add(Difference(request, "an abandoned request reached the replica whole", fastSeen, kestrelSeen));
                }

                continue;
            }

            if (fastAnswer != kestrelAnswer)
            {
                differences.Add(Difference(request, "the client got different answers", fastAnswer, kestrelAnswer));
            }
            else if (fastSeen != kestrelSeen)
            {
                differences.Add(Difference(request, "the replica received different requests", fastSeen, kestrelSeen));
            }
            else if (kestrelAnswer.Contains("x-recorder: recorder", StringComparison.Ordinal) && kestrelAnswer.StartsWith("HTTP/1.1 2", StringComparison.Ordinal)
                && !kestrelAnswer.Contains($"x-body-sha256: {request.BodySha256}", StringComparison.Ordinal))
            {
                differences.Add(Difference(request, "the replica did not receive the body the client sent", fastAnswer, kestrelAnswer));
            }
        }

        // What the Kestrel lane passes on otherwise than it came: a lane that relays request lines must do the same.
        var rewritten = requests.Values
            .SelectMany(r => received.GetValueOrDefault((FastLaneFixture.KestrelName, r.Case), []).Select(seen => (Sent: r.RequestLine, Seen: seen.RequestLine)))
            .Where(pair => pair.Sent != pair.Seen)
            .ToList();
        var rewrites = rewritten
            .DistinctBy(pair => System.Text.RegularExpressions.Regex.Replace(pair.Sent, "^[A-Z]+ /[a-z]+/[0-9]+", ""))
            .Select(pair => $"'{pair.Sent}' -> '{pair.Seen}'");
        output.WriteLine($"{rewritten.Count} request lines reach the replica changed through the Kestrel lane, as\n  {string.Join("\n  ", rewrites)}");

        var answered = answers.Count(a => a.Value.StartsWith("HTTP/", StringComparison.Ordinal));
        output.WriteLine($"{answered} responses, {received.Values.Sum(r => r.Count)} requests at the replica, {differences.Count} differences");
        Assert.True(differences.Count == 0, $"{differences.Count} of {requests.Count} requests differ (seed {seed}); the first:\n\n" + string.Join("\n\n", differences.Take(5)));
        Assert.True(answered > Requests, $"Only {answered} of {2 * Requests} requests were answered: the generated connections end too early to compare much");

        // The comparison means something only if the lane served a good share itself (about a third: the corpus hands many
        // connections over on purpose), and the other gateway none.
        var served = await FastLaneMetrics.RequestsAsync(fixture.Fast) - laneBefore;
        output.WriteLine($"the fast lane served {served} of the {Requests} requests itself");
        Assert.True(served >= Requests / 4, $"The fast lane served only {served} of {Requests} requests itself");
        Assert.Equal(0, await FastLaneMetrics.RequestsAsync(fixture.Kestrel));
    }

    /// <summary>Sends <paramref name="script"/> on one connection to <paramref name="gateway"/>, noting each answer by request.</summary>
    private async Task RunAsync(string gateway, ClientScript script, int seed, ConcurrentDictionary<(string, string), string> answers)
    {
        // The same cuts and pauses through both gateways: a difference is then the lanes', not the writes'.
        var random = new Random(HashCode.Combine(seed, script.Id));
        using var limit = new CancellationTokenSource(ScriptLimit);
        var token = limit.Token;
        var pending = script.Requests.ToList();
        try
        {
            await using var connection = await RawConnection.OpenAsync(fixture.Named(gateway).Address, token);
            foreach (var group in script.Groups)
            {
                if (group is [{ Abort: true } abandoned])
                {
                    var cut = abandoned.BodyStart + 1 + random.Next(abandoned.Bytes.Length - abandoned.BodyStart - 1);
                    await connection.WriteSplitAsync(abandoned.Bytes[..cut], random, token);
                    await Task.Delay(20, token);
                    connection.Abort();
                    answers[(gateway, abandoned.Case)] = "(abandoned)";
                    return;
                }

                var writing = connection.WriteSplitAsync(group.SelectMany(r => r.Bytes).ToArray(), random, token);
                foreach (var request in group)
                {
                    var response = await connection.ReadResponseAsync(request.IsHead, token);
                    pending.Remove(request);
                    if (response is null)
                    {
                        answers[(gateway, request.Case)] = "(the connection closed without an answer)";
                        return;
                    }

                    var answer = Answer(request, response);
                    if (request.Close)
                    {
                        answer += $"\nthe connection then closes: {await connection.ClosesWithinAsync(TimeSpan.FromSeconds(10))}";
                    }

                    answers[(gateway, request.Case)] = answer;
                }

                await writing;
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or EndOfStreamException or InvalidDataException or OperationCanceledException)
        {
            if (pending.FirstOrDefault() is { } unanswered)
            {
                answers[(gateway, unanswered.Case)] = e is OperationCanceledException
                    ? $"(no answer within {ScriptLimit.TotalSeconds} s)"
                    : $"(the connection failed: {e.GetType().Name})";
            }
        }
    }

    /// <summary>What the client got, normalised: fields sorted by name (same-name order kept), without <c>Date</c>.</summary>
    private static string Answer(GeneratedRequest request, RawResponse response)
    {
        var text = new StringBuilder(response.Head.StartLine).Append('\n');
        foreach (var (name, value) in response.Head.Fields.Select(f => (Name: f.Name.ToLowerInvariant(), f.Value)).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (name == "date")
            {
                continue;
            }

            // A generated routing key is random: only that one was returned counts.
            var shown = name == "x-request-id" && !request.HasRequestId ? "(generated)" : value;
            text.Append(name).Append(": ").Append(shown).Append('\n');
        }

        return text.Append("body sha256 ").Append(response.BodySha256).ToString();
    }

    /// <summary>
    /// What the replica received for <paramref name="request"/>, normalised: field names lowercased, lines of the same
    /// name joined by ", " in their order (RFC 9110 §5.3: a recipient cannot tell them apart), sorted by name; the
    /// gateway's own name in <c>Via</c>, a generated routing key and the span id of a propagated trace replaced.
    /// </summary>
    private static string Seen(GeneratedRequest request, List<ReceivedRequest> received)
    {
        if (received.Count == 0)
        {
            return "(nothing)";
        }

        var sentTraceparent = Encoding.Latin1.GetString(request.Bytes, 0, request.BodyStart).Contains("traceparent", StringComparison.Ordinal);
        return string.Join("\n--\n", received.Select(r =>
        {
            var text = new StringBuilder(r.RequestLine).Append('\n');
            foreach (var field in r.Head.Fields.GroupBy(f => f.Name.ToLowerInvariant()).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                // Joined as the Kestrel lane's client joins repeated fields into one line, whose ends the replica then trims
                // ("a" and "" arrive as "a,"): an empty list element is no element (RFC 9110 §5.6.1).
                var value = string.Join(", ", field.Select(f => f.Value)).Trim();
                value = field.Key switch
                {
                    "via" => value.Replace($"~{r.Gateway}", "~(gateway)", StringComparison.Ordinal),
                    "x-request-id" when !request.HasRequestId => "(generated)",
                    "traceparent" when value.Split('-') is [var version, var traceId, _, var flags] => sentTraceparent ? $"{version}-{traceId}-(span)-{flags}" : "(new trace)",
                    _ => value,
                };
                text.Append(field.Key).Append(": ").Append(value).Append('\n');
            }

            return text.Append($"body sha256 {r.BodySha256}, complete: {r.Complete}").ToString();
        }));
    }

    private static string Difference(GeneratedRequest request, string what, string fast, string kestrel) =>
        $"{request.Case}: {what}\n  request:\n    {request.Describe()}\n  fast lane:\n    {Indent(fast)}\n  Kestrel lane:\n    {Indent(kestrel)}";

    private static string Indent(string text) => text.Replace("\n", "\n    ", StringComparison.Ordinal);
}
