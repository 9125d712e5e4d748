using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>One real cluster (a silo, three replicas, a gateway on loopback with the default settings) for <see cref="AdminAccessTests"/>.</summary>
public sealed class AdminAccessFixture : IAsyncLifetime
{
    public LoadBalancerCluster Cluster { get; private set; } = null!;

    public GatewayEndpoint Gateway => Cluster.Gateway;

    public async Task InitializeAsync() => Cluster = await LoadBalancerCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>
    /// Starts another gateway on this cluster with <paramref name="settings"/> on top of the cluster's, and waits until
    /// <c>/rep</c> answers at <paramref name="adminUrl"/> (by default its <c>Urls</c>); the caller disposes its process.
    /// </summary>
    public async Task<GatewayEndpoint> StartGatewayAsync(string name, Dictionary<string, string> settings, Uri? adminUrl = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["Cluster__ClusterId"] = Cluster.ClusterId,
            ["Cluster__ServiceId"] = Cluster.ServiceId,
            ["Cluster__GatewayPort"] = Cluster.GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Information",
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        var process = ManagedProcess.StartDotnet(name, RepoPaths.Gateway, environment);
        var gateway = new GatewayEndpoint(process, adminUrl ?? new Uri(environment["Urls"]));
        try
        {
            await gateway.WaitServingAsync(TimeSpan.FromSeconds(120));
            return gateway;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
