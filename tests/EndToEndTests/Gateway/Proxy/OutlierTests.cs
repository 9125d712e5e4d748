using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy;

/// <summary>
/// A replica that answers 503 to everything while its health check passes: the gateway retries its reads on the key's
/// next replica, ejects it after failures in a row, gives it its keys back after the ejection time, and never retries
/// more than its budget allows.
/// </summary>
public sealed class OutlierTests(OutlierFixture fixture, ITestOutputHelper output) : IClassFixture<OutlierFixture>
{
    [Fact]
    public async Task A_replica_answering_503_has_its_reads_retried_is_ejected_after_failures_in_a_row_and_gets_its_keys_back_once_it_recovers()
    {
        var gateway = fixture.Ejecting;
        var key = fixture.KeyOf["flaky"];
        fixture.Flaky.FailWith = StatusCodes.Status503ServiceUnavailable;
        try
        {
            // A POST is not sent twice: the client gets the replica's 503 as it was.
            using (var post = await SendAsync(gateway, HttpMethod.Post, key))
            {
                Assert.Equal((HttpStatusCode.ServiceUnavailable, "flaky", false), (post.StatusCode, Replica(post), post.Headers.Contains("X-Attempts")));
                Assert.Equal("flaky cannot serve now", await post.Content.ReadAsStringAsync());
            }

            // Reads go on to the key's next replica until the failures in a row eject it.
            for (var failure = 2; failure <= OutlierFixture.ConsecutiveFailures; failure++)
            {
                using var get = await SendAsync(gateway, HttpMethod.Get, key);
                Assert.Equal((HttpStatusCode.OK, "2"), (get.StatusCode, get.Headers.GetValues("X-Attempts").Single()));
                Assert.NotEqual("flaky", Replica(get));
            }

            var ejected = Stopwatch.StartNew();
            string next;
            using (var get = await SendAsync(gateway, HttpMethod.Get, key))
            {
                Assert.Equal((HttpStatusCode.OK, false), (get.StatusCode, get.Headers.Contains("X-Attempts")));
                next = Replica(get);
                Assert.NotEqual("flaky", next);
            }

            await Eventually.TrueAsync(
                async () => await MetricAsync(gateway, "lb_gateway_outlier_ejections_total", "flaky") == "1"
                    && await MetricAsync(gateway, "lb_gateway_outlier_ejected", "flaky") == "1",
                TimeSpan.FromSeconds(10), "the ejection shows in the metrics");
            Assert.Contains("ejected from this gateway's routing", gateway.Process.Output, StringComparison.Ordinal);

            // While it answers 503, no read on its key gets it: served by the next replica (retried should the ejection end meanwhile).
            var reads = new List<(HttpStatusCode Status, bool Retried)>();
            for (var batch = 0; batch < 10; batch++)
            {
                reads.AddRange(await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
                {
                    using var get = await SendAsync(gateway, HttpMethod.Get, key);
                    return (get.StatusCode, get.Headers.Contains("X-Attempts"));
                })));
            }

            output.WriteLine($"100 reads on its key while it answers 503: {reads.Count(r => r.Status == HttpStatusCode.OK)} got 200 ({reads.Count(r => r.Retried)} retried), {reads.Count(r => r.Status == HttpStatusCode.ServiceUnavailable)} got 503");
            Assert.All(reads, r => Assert.Equal(HttpStatusCode.OK, r.Status));

            // Healthy again: once the ejection time has passed, its keys come back to it.
            fixture.Flaky.FailWith = 0;
            await Eventually.TrueAsync(async () =>
            {
                using var get = await SendAsync(gateway, HttpMethod.Get, key);
                Assert.Equal(HttpStatusCode.OK, get.StatusCode);
                return Replica(get) == "flaky";
            }, TimeSpan.FromSeconds(15), "the replica gets its key back after the ejection time");
            var back = ejected.Elapsed;
            output.WriteLine($"flaky ejected after {OutlierFixture.ConsecutiveFailures} failures in a row; its key served by {next} meanwhile, back on flaky after {back.TotalMilliseconds:F0} ms (ejection time {OutlierFixture.BaseEjection.TotalMilliseconds} ms)");
            Assert.True(back >= OutlierFixture.BaseEjection - TimeSpan.FromMilliseconds(500), $"flaky was back after {back}, before its ejection time");
            await Eventually.TrueAsync(
                async () => await MetricAsync(gateway, "lb_gateway_outlier_ejected", "flaky") == "0", TimeSpan.FromSeconds(10), "the ejected gauge goes back to 0");
        }
        finally
        {
            fixture.Flaky.FailWith = 0;
        }
    }

    [Fact]
    public async Task A_burst_on_a_replica_answering_503_is_retried_only_within_the_budget()
    {
        const int Burst = 40;
        var gateway = fixture.Budgeted;
        var key = fixture.KeyOf["flaky"];
        fixture.Flaky.FailWith = StatusCodes.Status503ServiceUnavailable;
        try
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, Burst).Select(async _ =>
            {
                using var response = await SendAsync(gateway, HttpMethod.Get, key);
                return (response.StatusCode, Replica: Replica(response), Retried: response.Headers.Contains("X-Attempts"));
            }));

            var retried = responses.Count(r => r.Retried);
            output.WriteLine($"{Burst} concurrent reads on a 503 replica with a budget of {OutlierFixture.BudgetPercent} % (at least {OutlierFixture.BudgetMinRetries}): {retried} retried");
            // Every request counts toward the window as it starts, so the budget is at most 10 % of the whole burst.
            var allowed = Math.Max(OutlierFixture.BudgetMinRetries, Burst * OutlierFixture.BudgetPercent / 100);
            Assert.InRange(retried, OutlierFixture.BudgetMinRetries, allowed);
            Assert.All(responses.Where(r => r.Retried), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            // The rest get the replica's own 503.
            Assert.All(responses.Where(r => !r.Retried), r => Assert.Equal((HttpStatusCode.ServiceUnavailable, "flaky"), (r.StatusCode, r.Replica)));
            await Eventually.TrueAsync(
                async () => await MetricAsync(gateway, "lb_gateway_retry_budget_exhausted_total", "flaky") == $"{Burst - retried}",
                TimeSpan.FromSeconds(10), "the retries the budget refused are counted");
        }
        finally
        {
            fixture.Flaky.FailWith = 0;
        }
    }

    private static string Replica(HttpResponseMessage response) => response.Headers.GetValues("X-Replica").Single();

    private static Task<HttpResponseMessage> SendAsync(GatewayEndpoint gateway, HttpMethod method, string key)
    {
        var request = new HttpRequestMessage(method, "/home");
        request.Headers.Add("X-Request-Id", key);
        return gateway.Http.SendAsync(request);
    }

    /// <summary>The value of <paramref name="metric"/> for <paramref name="replica"/> in the gateway's Prometheus text.</summary>
    private static async Task<string?> MetricAsync(GatewayEndpoint gateway, string metric, string replica)
    {
        var line = (await gateway.Http.GetStringAsync("/metrics")).Split('\n')
            .SingleOrDefault(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && l.Contains($"replica=\"{replica}\"", StringComparison.Ordinal));
        return line?[(line.LastIndexOf('}') + 2)..].Split(' ')[0];
    }
}
