using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy.Upstream;

/// <summary>
/// The lean upstream client against SocketsHttpHandler, both under YARP's forwarder in front of the same real Kestrel
/// replica: thousands of generated exchanges must reach the replica alike and come back to the client alike (status,
/// headers less hop-by-hop ones and Date, body bytes). Malformed responses from a raw replica are 502s that never
/// leave a pooled connection out of step with its replica.
/// </summary>
public sealed class LeanClientDifferentialTests(UpstreamRig rig) : IClassFixture<UpstreamRig>
{
    private const int Cases = 2000;

    private static readonly string[] Methods = ["GET", "GET", "GET", "HEAD", "POST", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
    private static readonly int[] Statuses = [200, 200, 200, 200, 201, 204, 302, 304, 404, 500, 503];
    private static readonly HashSet<string> Unequal = new(StringComparer.OrdinalIgnoreCase) { "Date", "Connection", "Keep-Alive", "Transfer-Encoding" };

    [Fact]
    public async Task Generated_exchanges_reach_the_replica_and_come_back_identically_through_both_clients()
    {
        var cases = Enumerable.Range(0, Cases).Select(Generate).ToList();
        var outcomes = new Dictionary<int, (Outcome Lean, Outcome Sockets)>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (exchange, _) =>
        {
            var lean = await SendAsync(rig.LeanGateway, exchange, "lean");
            var sockets = await SendAsync(rig.SocketsGateway, exchange, "sockets");
            lock (outcomes)
            {
                outcomes[exchange.Id] = (lean, sockets);
            }
        });

        foreach (var exchange in cases)
        {
            var (lean, sockets) = outcomes[exchange.Id];
            Assert.Equal(rig.Arrived[$"{exchange.Id}/sockets"], rig.Arrived[$"{exchange.Id}/lean"]);
            if (exchange.Cut)
            {
                // Cut off mid-body, or before the first body byte reached the gateway (a reset drops unread data): which
                // depends on timing, for either client; what matters is that neither looks complete.
                Assert.True(lean.Failed || lean.Status == 502, $"case {exchange}: lean {lean} looks complete");
                Assert.True(sockets.Failed || sockets.Status == 502, $"case {exchange}: sockets {sockets} looks complete");
                continue;
            }

            Assert.True(sockets.SameAs(lean), $"case {exchange}: lean {lean} differs from sockets {sockets}");
            Assert.False(lean.Failed, $"case {exchange}: {lean}");
            var expected = exchange.HasResponseBody ? GeneratedBody.Hash(exchange.ResponseSize, exchange.Seed) : GeneratedBody.Hash(0, 0);
            Assert.Equal(expected, lean.BodyHash);
        }

        // Keep-alive works: far fewer connections than exchanges, and at most one per concurrent request.
        var (open, idle) = rig.Lean.ConnectionsTo(rig.Replica);
        Assert.InRange(open, 1, 8);
        Assert.Equal(open, idle);
    }

    [Fact]
    public async Task Responses_kestrel_never_sends_come_back_identically_through_both_clients()
    {
        for (var round = 0; round < 20; round++)
        {
            foreach (var scenario in RawReplica.Valid)
            {
                var nonce = $"{scenario}-{round}";
                var lean = await SendRawAsync(rig.LeanGateway, scenario, nonce);
                var sockets = await SendRawAsync(rig.SocketsGateway, scenario, nonce);
                if (sockets.Status == 502 && !lean.SameAs(sockets))
                {
                    // SocketsHttpHandler, the reference, failed a valid exchange now and then here (seen once with
                    // "interim" in 20 rounds): ask it again rather than fail the lean client for it.
                    sockets = await SendRawAsync(rig.SocketsGateway, scenario, nonce);
                }

                Assert.True(lean.SameAs(sockets), $"{scenario}: lean {lean} differs from sockets {sockets}");
                Assert.StartsWith(RawReplica.OkBody(nonce), lean.Text, StringComparison.Ordinal);
                Assert.False(lean.Failed, $"{scenario}: {lean}");
            }
        }
    }

    [Fact]
    public async Task A_malformed_or_ambiguous_response_is_a_502_and_the_next_request_is_answered_rightly()
    {
        for (var round = 0; round < 5; round++)
        {
            foreach (var scenario in RawReplica.MalformedHeads)
            {
                var outcome = await SendRawAsync(rig.LeanGateway, scenario, $"{scenario}-{round}");
                Assert.True(outcome.Status == 502, $"{scenario}: {outcome}");
                await AssertNextIsAnsweredAsync(scenario, round);
            }

            foreach (var scenario in new[] { "smuggle", "smuggle-late" })
            {
                var outcome = await SendRawAsync(rig.LeanGateway, scenario, $"{scenario}-{round}");
                Assert.Equal(200, outcome.Status);
                Assert.Equal("ok", outcome.Text);

                // The late one's stray response must have arrived before the next request, or no client could tell it from the answer.
                await Task.Delay(scenario == "smuggle-late" ? 200 : 0);
                await AssertNextIsAnsweredAsync(scenario, round);
            }
        }
    }

    [Fact]
    public async Task A_replica_that_refuses_is_a_connection_error_the_proxy_may_retry_anywhere()
    {
        using var invoker = new HttpMessageInvoker(rig.Lean, disposeHandler: false);
        var closed = new Uri($"http://127.0.0.1:{Infrastructure.FreePort.Next()}/home");
        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            invoker.SendAsync(new HttpRequestMessage(HttpMethod.Post, closed) { Version = HttpVersion.Version11 }, CancellationToken.None));
        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
    }

    [Fact]
    public async Task A_cancelled_request_throws_and_its_connection_is_not_reused()
    {
        using var invoker = new HttpMessageInvoker(rig.Lean, disposeHandler: false);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        // The replica sends half of a slow body and then nothing: the read is cancelled mid-body.
        var uri = new Uri(rig.Replica, "/cancel?case=cancel&status=200&size=100000000&seed=1&headers=0&slow=1");
        var response = await invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, uri) { Version = HttpVersion.Version11 }, cancel.Token);
        var body = await response.Content.ReadAsStreamAsync(cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            var buffer = new byte[8192];
            while (await body.ReadAsync(buffer, cancel.Token) > 0)
            {
            }
        });
        response.Dispose();
        var exchange = Generate(Cases + 1) with { Method = "GET", ResponseSize = 10, Status = 200, Cut = false, ResponseSlow = false };
        var after = await SendAsync(rig.LeanGateway, exchange, "lean");
        Assert.Equal(GeneratedBody.Hash(10, exchange.Seed), after.BodyHash);
    }

    private async Task AssertNextIsAnsweredAsync(string after, int round)
    {
        var nonce = $"after-{after}-{round}";
        var next = await SendRawAsync(rig.LeanGateway, "ok", nonce);
        Assert.True(next.Status == 200 && next.Text == RawReplica.OkBody(nonce), $"after {after}: {next}");
    }

    private static Exchange Generate(int id)
    {
        var random = new Random(id * 7919);
        var method = Methods[random.Next(Methods.Length)];
        var status = Statuses[random.Next(Statuses.Length)];
        var hasRequestBody = method is "POST" or "PUT" or "PATCH" && random.Next(5) != 0;
        var responseSize = Size(random);
        var slow = random.Next(10) == 0;
        return new Exchange(
            id,
            method,
            hasRequestBody ? Size(random) : -1,
            random.Next(2) == 0,
            slow,
            status,
            slow ? Math.Min(responseSize, 64 * 1024) : responseSize,
            random.Next(2) == 0,
            random.Next(8) == 0,
            random.Next(0, 12),
            random.Next(12),
            random.Next(),
            Cut: random.Next(40) == 0 && method != "HEAD" && status is not (204 or 304) && responseSize > 1);
    }

    /// <summary>0 B – 8 MB, mostly small.</summary>
    private static long Size(Random random) => random.NextDouble() switch
    {
        < 0.25 => 0,
        < 0.6 => random.Next(1, 1024),
        < 0.9 => random.Next(1024, 64 * 1024),
        < 0.985 => random.Next(64 * 1024, 1024 * 1024),
        _ => random.Next(1024 * 1024, 8 * 1024 * 1024 + 1),
    };

    private async Task<Outcome> SendAsync(Uri gateway, Exchange exchange, string via)
    {
        var query = string.Create(CultureInfo.InvariantCulture,
            $"case={exchange.Id}&status={exchange.Status}&size={exchange.ResponseSize}&seed={exchange.Seed}&headers={exchange.ResponseHeaders}"
            + $"&chunked={(exchange.ResponseChunked ? 1 : 0)}&slow={(exchange.ResponseSlow ? 1 : 0)}&cut={(exchange.Cut ? 1 : 0)}");
        using var request = new HttpRequestMessage(new HttpMethod(exchange.Method), new Uri(gateway, $"/items/{exchange.Id}?{query}"));
        request.Headers.TryAddWithoutValidation("X-Via", via);
        var random = new Random(exchange.Seed);
        for (var i = 0; i < exchange.RequestHeaders; i++)
        {
            request.Headers.TryAddWithoutValidation($"X-Req-{random.Next(3)}", $"v{random.Next()}");
        }

        if (random.Next(2) == 0)
        {
            request.Headers.TryAddWithoutValidation("Accept", "application/json, text/plain;q=0.5");
            request.Headers.TryAddWithoutValidation("Cookie", $"session={random.Next()}; theme=dark");
        }

        if (exchange.RequestSize >= 0)
        {
            request.Content = new GeneratedBody.Content(exchange.RequestSize, exchange.Seed + 1, exchange.RequestChunked, exchange.RequestSlow && exchange.RequestSize < 256 * 1024);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/octet-stream");
        }

        return await OutcomeOfAsync(request);
    }

    private async Task<Outcome> SendRawAsync(Uri gateway, string scenario, string nonce)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, $"/raw/{scenario}?n={nonce}"));
        return await OutcomeOfAsync(request);
    }

    private async Task<Outcome> OutcomeOfAsync(HttpRequestMessage request)
    {
        HttpResponseMessage response;
        try
        {
            response = await rig.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }
        catch (HttpRequestException e)
        {
            return new Outcome(0, "", "", "", true, e.Message);
        }

        using (response)
        {
            var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers)
                .Where(h => !Unequal.Contains(h.Key))
                .OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)
                .Select(h => $"{h.Key.ToLowerInvariant()}: {string.Join(" | ", h.Value)}"));
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var text = new MemoryStream();
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync();
                var buffer = new byte[64 * 1024];
                int read;
                while ((read = await body.ReadAsync(buffer)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    if (text.Length < 256)
                    {
                        text.Write(buffer, 0, (int)Math.Min(read, 256 - text.Length));
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                return new Outcome((int)response.StatusCode, response.ReasonPhrase ?? "", headers, "", true, "body cut short");
            }

            return new Outcome((int)response.StatusCode, response.ReasonPhrase ?? "", headers, Convert.ToHexString(hash.GetHashAndReset()), false,
                System.Text.Encoding.Latin1.GetString(text.ToArray()));
        }
    }

    private sealed record Exchange(
        int Id,
        string Method,
        long RequestSize,
        bool RequestChunked,
        bool RequestSlow,
        int Status,
        long ResponseSize,
        bool ResponseChunked,
        bool ResponseSlow,
        int ResponseHeaders,
        int RequestHeaders,
        int Seed,
        bool Cut)
    {
        public bool HasResponseBody => Method != "HEAD" && Status is not (204 or 304);
    }

    /// <summary>What the client saw; <paramref name="Text"/> is the body's start (or the failure), not compared when a body is cut.</summary>
    private sealed record Outcome(int Status, string Reason, string Headers, string BodyHash, bool Failed, string Text)
    {
        /// <summary>The same answer at the client: the text is compared only when the body came whole.</summary>
        public bool SameAs(Outcome other) => Status == other.Status && Reason == other.Reason && Headers == other.Headers
            && BodyHash == other.BodyHash && Failed == other.Failed && (Failed || Text == other.Text);
    }
}
