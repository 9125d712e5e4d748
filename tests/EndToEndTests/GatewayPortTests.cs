using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// A gateway shares its port only when asked (<c>Gateway:SharePort</c>, for a hand-over): one started by mistake on a
/// port another gateway serves stops at once, saying why, and takes none of that port's connections.
/// </summary>
public sealed class GatewayPortTests(GatewayPortTests.Fixture fixture) : IClassFixture<GatewayPortTests.Fixture>
{
    [Fact]
    public async Task A_second_gateway_on_a_port_in_use_exits_naming_the_port_and_the_setting_and_the_first_keeps_serving()
    {
        var first = fixture.Cluster.Gateway;
        // A connection per request: a gateway sharing the port would be handed some of them.
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = first.Address, Timeout = TimeSpan.FromSeconds(30) };
        var served = 0;
        var failures = new List<string>();
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
                    request.Headers.ConnectionClose = true;
                    using var response = await client.SendAsync(request);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref served);
                    }
                    else
                    {
                        lock (failures)
                        {
                            failures.Add($"{(int)response.StatusCode}");
                        }
                    }
                }
                catch (HttpRequestException ex)
                {
                    lock (failures)
                    {
                        failures.Add(ex.Message);
                    }
                }
            }
        });

        await using var second = ManagedProcess.StartDotnet("gateway-second", RepoPaths.Gateway, fixture.Cluster.GatewaySettings(0));
        var exit = await second.WaitForExitAsync(TimeSpan.FromSeconds(60));
        // Requests keep going to the first for a moment after the second gave up.
        var after = Volatile.Read(ref served);
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref served) > after + 20), TimeSpan.FromSeconds(30), "the first gateway should keep serving");
        await stop.CancelAsync();
        await load;

        Assert.True(exit == 1, $"exit {exit?.ToString() ?? "none (still running)"}:\n{second.Output}");
        Assert.Contains(
            $"Failed to bind to address {first.Address.ToString().TrimEnd('/')}: address already in use. Another process listens on that port: "
            + "another gateway, perhaps. A gateway shares its port only for a hand-over, when both the running and the new one have Gateway:SharePort=true.",
            second.Output);
        Assert.True(failures.Count == 0, $"{failures.Count} requests failed, e.g. {string.Join("; ", failures.Take(5))}");
        Assert.False(first.Process.HasExited);
    }

    /// <summary>One cluster (a silo, three replicas, a gateway) for the tests here.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public LoadBalancerCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync() => Cluster = await LoadBalancerCluster.StartAsync();

        public async Task DisposeAsync() => await Cluster.DisposeAsync();
    }
}
