using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Routing;
using Orleans.LoadBalancer.Grains.Ring;
using Orleans.LoadBalancer.Ring;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Benchmarks.Fanout;

/// <summary>
/// One silo with the real RingGrain (memory storage, default routing settings) and up to <c>clients</c> Orleans
/// clients, each standing for a gateway process, all in this process on 127.0.0.1.
/// </summary>
internal sealed class FanoutCluster : IAsyncDisposable
{
    private readonly IHost _silo;
    private readonly List<IHost> _clients;

    private FanoutCluster(IHost silo, List<IHost> clients) => (_silo, _clients) = (silo, clients);

    public IReadOnlyList<IClusterClient> Clients => [.. _clients.Select(c => c.Services.GetRequiredService<IClusterClient>())];

    public IRingGrain Ring => Clients[0].GetGrain<IRingGrain>(RingKeys.Default);

    public static async Task<FanoutCluster> StartAsync(int clients)
    {
        var (siloPort, gatewayPort) = (FreePort(), FreePort());
        var silo = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(s => s
                .UseLocalhostClustering(siloPort, gatewayPort)
                .AddMemoryGrainStorage(RingGrain.StorageName)
                .ConfigureServices(services => services.AddSingleton(Options.Create(RoutingSettings.Default))))
            .Build();
        await silo.StartAsync();

        var hosts = new List<IHost>();
        for (var i = 0; i < clients; i++)
        {
            var host = Host.CreateDefaultBuilder()
                .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
                .UseOrleansClient(c => c.UseLocalhostClustering(gatewayPort))
                .Build();
            await host.StartAsync();
            hosts.Add(host);
        }

        return new FanoutCluster(silo, hosts);
    }

    /// <summary>Starts <paramref name="count"/> followers, one per client, each with a store of its own, as gateways run them.</summary>
    public async Task<List<(RingFollower Follower, RingSnapshotStore Store)>> StartFollowersAsync(int count)
    {
        var options = Options.Create(new GatewayOptions());
        var followers = new List<(RingFollower, RingSnapshotStore)>();
        foreach (var client in Clients.Take(count))
        {
            var store = new RingSnapshotStore();
            var follower = new RingFollower(client, store, options, NullLogger<RingFollower>.Instance);
            await follower.StartAsync(CancellationToken.None);
            followers.Add((follower, store));
        }

        return followers;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.StopAsync();
            client.Dispose();
        }

        await _silo.StopAsync();
        _silo.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
