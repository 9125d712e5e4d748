using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.Proxy;

/// <summary>
/// A cluster for <see cref="OutlierTests"/>: three static external replicas (<c>app-a</c>, <c>app-b</c> and <c>flaky</c>,
/// which the tests make answer 503 to everything but its health check). The first gateway ejects a replica after
/// <see cref="ConsecutiveFailures"/> failures in a row for <see cref="BaseEjection"/>, with a budget that never limits
/// its retries; the second never ejects and retries at most 10 % of its requests (at least 2).
/// </summary>
public sealed class OutlierFixture : IAsyncLifetime
{
    public const int ConsecutiveFailures = 3;
    public static readonly TimeSpan BaseEjection = TimeSpan.FromSeconds(2);
    public const int BudgetPercent = 10;
    public const int BudgetMinRetries = 2;

    private static readonly string[] Candidates = Enumerable.Range(0, 200).Select(i => $"outlier-key-{i}").ToArray();

    public LoadBalancerCluster Cluster { get; private set; } = null!;

    public ExternalBackend AppA { get; private set; } = null!;

    public ExternalBackend AppB { get; private set; } = null!;

    public ExternalBackend Flaky { get; private set; } = null!;

    /// <summary>Outlier detection after <see cref="ConsecutiveFailures"/>; retries unlimited by the budget.</summary>
    public GatewayEndpoint Ejecting => Cluster.Gateways[0];

    /// <summary>No outlier detection; a small retry budget.</summary>
    public GatewayEndpoint Budgeted { get; private set; } = null!;

    /// <summary>A key each replica owns, by name.</summary>
    public Dictionary<string, string> KeyOf { get; private set; } = [];

    public async Task InitializeAsync()
    {
        AppA = await ExternalBackend.StartAsync("app-a");
        AppB = await ExternalBackend.StartAsync("app-b");
        Flaky = await ExternalBackend.StartAsync("flaky");
        Cluster = await LoadBalancerCluster.StartAsync(
            siloSettings: new Dictionary<string, string>
            {
                ["Replicas__InitialCount"] = "0",
                ["Replicas__Static__0__Name"] = "app-a",
                ["Replicas__Static__0__Address"] = AppA.Address,
                ["Replicas__Static__1__Name"] = "app-b",
                ["Replicas__Static__1__Address"] = AppB.Address,
                ["Replicas__Static__2__Name"] = "flaky",
                ["Replicas__Static__2__Address"] = Flaky.Address,
            },
            gatewaySettings: new Dictionary<string, string>
            {
                ["Gateway__Outlier__ConsecutiveFailures"] = $"{ConsecutiveFailures}",
                ["Gateway__Outlier__BaseEjectionTime"] = BaseEjection.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
                ["Gateway__Outlier__MaxEjectionTime"] = "00:00:10",
                ["Gateway__RetryBudget__Percent"] = "100",
                ["Gateway__RetryBudget__MinRetries"] = "1000",
            },
            expectedReplicas: 3);
        Budgeted = await Cluster.StartGatewayAsync(new Dictionary<string, string>
        {
            ["Gateway__Outlier__ConsecutiveFailures"] = "0",
            ["Gateway__RetryBudget__Percent"] = $"{BudgetPercent}",
            ["Gateway__RetryBudget__MinRetries"] = $"{BudgetMinRetries}",
        });
        KeyOf = await Ejecting.KeyOfEachReplicaAsync(Candidates, 3);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await AppA.DisposeAsync();
        await AppB.DisposeAsync();
        await Flaky.DisposeAsync();
    }
}
