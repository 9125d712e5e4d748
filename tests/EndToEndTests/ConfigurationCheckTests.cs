using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// <c>--check-config</c>, as <c>nginx -t</c>: the whole configuration checked, each problem named by its key, exit 0 or 1,
/// and nothing started: no port bound, no connection made (to Redis, to a silo).
/// </summary>
public sealed class ConfigurationCheckTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("gateway")]
    [InlineData("silo")]
    public async Task A_good_configuration_exits_0_binding_no_port_and_connecting_nowhere(string program)
    {
        // Every port the program would use is taken by a listener of the test's: binding one would fail, connecting to
        // one (Redis, the silo's gateway port) would be accepted here.
        using var http = Listen();
        using var redis = Listen();
        using var siloPort = Listen();
        using var gatewayPort = Listen();
        var settings = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{Port(http)}",
            ["Cluster__Provider"] = "Redis",
            ["Cluster__RedisConnectionString"] = $"127.0.0.1:{Port(redis)},abortConnect=false",
            ["Cluster__SiloPort"] = Port(siloPort),
            ["Cluster__GatewayPort"] = Port(gatewayPort),
        };

        var clock = Stopwatch.StartNew();
        var (exit, output) = await CheckAsync(program, settings);

        Assert.True(exit == 0, $"exit {exit}:\n{output}");
        Assert.Contains($"{program}: configuration OK (", output);
        Assert.Contains("cluster Redis", output);
        Assert.True(clock.Elapsed < Bound, $"took {clock.Elapsed}");
        foreach (var listener in new[] { http, redis, siloPort, gatewayPort })
        {
            Assert.False(listener.Pending(), $"something connected to port {Port(listener)}");
        }
    }

    [Theory]
    [InlineData("gateway", "Gateway__ReplicaTimeout", "00:00:00.001", "gateway: Gateway:ReplicaTimeout: ")]
    [InlineData("gateway", "Gateway__KeySources__0__Type", "Banana", "gateway: Failed to convert configuration value 'Banana' at 'Gateway:KeySources:0:Type'")]
    [InlineData("gateway", "Admin__Urls", "127.0.0.1:9000", "gateway: Admin:Urls: '127.0.0.1:9000' is not a URL with a fixed port")]
    [InlineData("silo", "Replicas__Process__WarmSpares", "-1", "silo: Replicas:Process:WarmSpares: ")]
    [InlineData("silo", "Replicas__Process__Host", "localhost", "silo: Replicas:Process:Host: must be an IP address")]
    [InlineData("silo", "Cluster__ProbeTimeout", "00:00:00", "silo: Cluster:ProbeTimeout: ")]
    public async Task A_mistake_exits_1_naming_its_key(string program, string key, string value, string message)
    {
        var (exit, output) = await CheckAsync(program, new() { [key] = value });

        Assert.True(exit == 1, $"exit {exit}:\n{output}");
        Assert.Contains(message, output);
        Assert.Contains($"{program}: configuration check failed: 1 problem", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task Every_problem_is_listed_even_after_a_missing_certificate_file()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.pfx");
        var (exit, output) = await CheckAsync("gateway", new()
        {
            ["Cluster__Tls__Enabled"] = "true",
            ["Cluster__Tls__CertificatePath"] = missing,
            ["Routing__BalanceFactor"] = "0.5",
            ["Gateway__RetryAttempts"] = "9",
        });

        Assert.True(exit == 1, $"exit {exit}:\n{output}");
        Assert.Contains($"gateway: Cluster:Tls:CertificatePath: no file at '{missing}'", output);
        Assert.Contains("gateway: Routing:BalanceFactor: ", output);
        Assert.Contains("gateway: Gateway:RetryAttempts: ", output);
        Assert.Contains("gateway: configuration check failed: 3 problems", output);
    }

    [Fact]
    public async Task The_docker_runtimes_settings_are_checked_without_asking_the_engine()
    {
        var (exit, output) = await CheckAsync("silo", new()
        {
            ["Replicas__Runtime"] = "Docker",
            ["Replicas__Docker__Endpoint"] = "unix:///no/such/docker.sock",
            ["Replicas__Docker__Environment__PORT"] = "80",
            ["Replicas__Docker__Volumes__0"] = "data:/data:rx",
            ["Replicas__Docker__Cpus"] = "0",
            ["Replicas__Docker__Memory"] = "1m",
        });

        Assert.True(exit == 1, $"exit {exit}:\n{output}");
        Assert.Contains("silo: Replicas:Docker:Environment:PORT: PORT is set by the runtime", output);
        Assert.Contains("silo: Replicas:Docker:Volumes:0: 'data:/data:rx': the mode 'rx' is neither ro nor rw", output);
        Assert.Contains("silo: Replicas:Docker:Cpus: ", output);
        Assert.Contains("silo: Replicas:Docker:Memory: '1m' is less than the engine's minimum, 6m", output);
        Assert.Contains("silo: configuration check failed: 4 problems", output);
    }

    [Fact]
    public async Task A_missing_certificate_of_an_https_endpoint_is_found_without_binding_it()
    {
        var (exit, output) = await CheckAsync("gateway", new()
        {
            ["Kestrel__Endpoints__Web__Url"] = $"https://127.0.0.1:{FreePort.Next()}",
            ["Kestrel__Endpoints__Web__Certificate__Path"] = "/no/such/gateway.pfx",
        });

        Assert.True(exit == 1, $"exit {exit}:\n{output}");
        Assert.Contains("gateway: Kestrel: ", output);
        Assert.Contains("/no/such/gateway.pfx", output);
    }

    private static async Task<(int? Exit, string Output)> CheckAsync(string program, Dictionary<string, string> settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Cluster__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        await using var process = ManagedProcess.StartDotnet(
            $"{program}-check", program == "silo" ? RepoPaths.Silo : RepoPaths.Gateway, environment, "--check-config");
        var exit = await process.WaitForExitAsync(Bound);
        return (exit, process.Output);
    }

    private static TcpListener Listen()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }

    private static string Port(TcpListener listener) =>
        ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
}
