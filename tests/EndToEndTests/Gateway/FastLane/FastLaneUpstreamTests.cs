using Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy.Upstream;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

/// <summary>
/// The fast lane's pooled upstream connections against a replica that misbehaves between requests: bytes it sends
/// unasked after an answer, and a close of an idle keep-alive connection. Neither may reach, or fail, the next client.
/// </summary>
public sealed class FastLaneUpstreamTests(RawReplicaFixture fixture) : IClassFixture<RawReplicaFixture>, IDisposable
{
    // Connections of its own: the lane serves connections accepted once the gateway has started, and the fixture's
    // client may hold one from before.
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, UseCookies = false })
    {
        BaseAddress = fixture.Gateway.Address,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public void Dispose() => _client.Dispose();

    [Theory]
    [InlineData("smuggle")]
    [InlineData("smuggle-late")]
    public async Task A_response_the_replica_sends_unasked_never_reaches_the_next_client(string scenario)
    {
        var served = await FastLaneMetrics.RequestsAsync(fixture.Gateway);
        for (var round = 0; round < 5; round++)
        {
            using (var first = await _client.GetAsync($"/raw/{scenario}?n={scenario}-{round}"))
            {
                Assert.Equal(200, (int)first.StatusCode);
                Assert.Equal("ok", await first.Content.ReadAsStringAsync());
            }

            // The late one's stray response arrives while the connection is idle in the pool.
            await Task.Delay(200);
            await AssertAnsweredAsync($"after-{scenario}-{round}");
        }

        Assert.True(await FastLaneMetrics.RequestsAsync(fixture.Gateway) >= served + 10, "the fast lane served these requests itself");
    }

    [Fact]
    public async Task An_idle_connection_the_replica_closed_is_never_used_for_a_request()
    {
        for (var round = 0; round < 5; round++)
        {
            await AssertAnsweredAsync($"close-{round}", "ok-then-close");
            await Task.Delay(300);
            // One attempt: the closed connection was left for a fresh one before the request went out, not retried after.
            Assert.Null(await AssertAnsweredAsync($"after-close-{round}"));
        }
    }

    /// <summary>Asks for <paramref name="scenario"/> with <paramref name="nonce"/>; returns <c>X-Attempts</c> (none after a first attempt).</summary>
    private async Task<string?> AssertAnsweredAsync(string nonce, string scenario = "ok")
    {
        using var response = await _client.GetAsync($"/raw/{scenario}?n={nonce}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode && body == RawReplica.OkBody(nonce), $"{scenario} {nonce}: {(int)response.StatusCode} {body}");
        return response.Headers.TryGetValues("X-Attempts", out var values) ? values.Single() : null;
    }
}
