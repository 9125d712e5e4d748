using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// The compose files in <c>deploy/</c>, run as a user would with Debian's <c>docker-compose</c> on the images
/// <c>deploy/build-images.sh</c> built without a registry: up, serving through every gateway, a bounded burst, a
/// gateway process killed and brought back by its restart policy, then down with nothing of the project left.
/// Each test has its own project name, network, replica label and loopback ports, and removes all of it even when it fails.
/// </summary>
public sealed partial class ComposeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AppUser = "1654";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private ComposeProject? _project;

    private ComposeProject Project => _project ?? throw new InvalidOperationException("No compose project was created");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_project is not null)
        {
            await _project.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_seed_compose_file_serves_through_its_gateway_restarts_a_killed_one_and_goes_down_cleanly()
    {
        var gateway = FreePort.Next();
        _project = await ComposeProject.CreateAsync(
            "deploy/docker-compose.yml",
            new Dictionary<string, int> { ["GATEWAY_PORT"] = gateway, ["SILO_HTTP_PORT"] = FreePort.Next() },
            Images("backend", "silo", "gateway"));

        await RunScenarioAsync(gateways: [("gateway", gateway)], silos: ["silo"], others: []);
    }

    [Fact]
    public async Task The_cluster_compose_file_serves_through_both_gateways_restarts_a_killed_one_and_goes_down_cleanly()
    {
        int[] gateways = [FreePort.Next(), FreePort.Next()];
        _project = await ComposeProject.CreateAsync(
            "deploy/docker-compose.cluster.yml",
            new Dictionary<string, int> { ["GATEWAY_PORT"] = gateways[0], ["GATEWAY2_PORT"] = gateways[1] },
            [.. Images("backend", "silo", "gateway"), $"orleans-lb/redis:{ComposeProject.ImageTag}"]);

        await RunScenarioAsync(gateways: [("gateway1", gateways[0]), ("gateway2", gateways[1])], silos: ["silo1", "silo2", "silo3"], others: ["redis"]);
    }

    private async Task RunScenarioAsync(IReadOnlyList<(string Service, int Port)> gateways, IReadOnlyList<string> silos, IReadOnlyList<string> others)
    {
        try
        {
            await RunScenarioStepsAsync(gateways, silos, others);
        }
        catch
        {
            output.WriteLine(await LogsAsync());
            throw;
        }
    }

    private async Task RunScenarioStepsAsync(IReadOnlyList<(string Service, int Port)> gateways, IReadOnlyList<string> silos, IReadOnlyList<string> others)
    {
        var clock = Stopwatch.StartNew();
        var (upExit, upOutput) = await Project.RunAsync("up", "-d");
        Assert.True(upExit == 0, $"docker-compose up failed ({upExit}):\n{upOutput}");

        // The images run as a user that is not root, declare a health check, publish on loopback only, and restart.
        foreach (var service in gateways.Select(g => g.Service).Concat(silos))
        {
            var container = await Project.InspectAsync(service);
            Assert.Equal(AppUser, container.Config?.User);
            // A gateway's own /healthz is on its admin port when Admin__Urls gives it one.
            string[] probe = gateways.Any(g => g.Service == service) ? ["/healthz", "--admin-first"] : ["/healthz"];
            Assert.Equal(["CMD", "dotnet", "/healthprobe/Orleans.LoadBalancer.HealthProbe.dll", .. probe], container.Config?.Healthcheck?.Test);
            AssertRestartsAndLoopbackOnly(service, container);
        }

        foreach (var service in others)
        {
            var container = await Project.InspectAsync(service);
            Assert.NotEqual("", container.Config?.User);
            Assert.NotEqual("0", container.Config?.User);
            AssertRestartsAndLoopbackOnly(service, container);
        }

        var clients = gateways.ToDictionary(g => g.Service, g => Client(g.Port));
        try
        {
            // Every gateway lists the three replicas the silo started, and answers /home from one of them.
            foreach (var (service, client) in clients)
            {
                var replicas = await WaitForReplicasAsync(service, client);
                Assert.Equal(["Server 1", "Server 2", "Server 3"], replicas);
                await AssertHomeAsync(client, replicas);
            }

            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: serving through {string.Join(", ", clients.Keys)}");

            var replicaContainers = await Project.ReplicasAsync();
            Assert.Equal(3, replicaContainers.Count);
            Assert.All(replicaContainers, r => Assert.Equal(AppUser, r.Config?.User));
            Assert.All(replicaContainers, r => Assert.Contains("/heartbeat", r.Config?.Healthcheck?.Test ?? []));

            await BurstAsync([.. clients.Values], requests: 1_500, concurrency: 16);

            // Docker runs every health check and finds each container healthy: silos and gateways; the replicas' check passes.
            await WaitHealthyAsync([.. gateways.Select(g => g.Service), .. silos, .. others]);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: every container is healthy");

            // A gateway process that dies (SIGKILL from outside, as the kernel's OOM killer would) comes back by itself.
            // `docker kill` would not do: Docker counts it as a wanted stop and leaves the container stopped.
            var (victim, port) = gateways[0];
            var before = await Project.InspectAsync(victim);
            using (var process = Process.GetProcessById((int)before.State!.Pid))
            {
                process.Kill();
            }

            var killed = Stopwatch.StartNew();
            await Eventually.TrueAsync(
                async () => (await Project.InspectAsync(victim)) is { State.Running: true } now && now.RestartCount > before.RestartCount && now.State.Pid != before.State!.Pid,
                StartTimeout, $"{victim} is restarted after its process was killed");
            await Eventually.TrueAsync(
                async () => await HomeStatusAsync(clients[victim]) == HttpStatusCode.OK,
                StartTimeout, $"{victim} serves again on port {port}");
            output.WriteLine($"killed {victim}: restarted and serving after {killed.Elapsed.TotalSeconds:0.0} s");
            Assert.Equal(["Server 1", "Server 2", "Server 3"], await ReplicaNamesAsync(clients[victim]));
            await AssertHomeAsync(clients[victim], ["Server 1", "Server 2", "Server 3"]);
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }

        // Down as the compose file's header says, and nothing of the project is left on the engine.
        var (downExit, downOutput) = await Project.TearDownAsync();
        output.WriteLine(downOutput);
        Assert.True(downExit == 0, $"docker-compose down failed ({downExit}):\n{downOutput}");
        Assert.Empty(await Project.LeftoversAsync());
    }

    private static void AssertRestartsAndLoopbackOnly(string service, ContainerInspectResponse container)
    {
        Assert.True(container.HostConfig?.RestartPolicy.Name == RestartPolicyKind.UnlessStopped, $"{service}: restart policy {container.HostConfig?.RestartPolicy.Name}");
        foreach (var binding in (container.HostConfig?.PortBindings ?? new Dictionary<string, IList<PortBinding>>()).Values.SelectMany(b => b))
        {
            Assert.True(binding.HostIP == "127.0.0.1", $"{service} publishes a port on '{binding.HostIP}'");
        }
    }

    private async Task<IReadOnlyList<string>> WaitForReplicasAsync(string service, HttpClient client)
    {
        IReadOnlyList<string> replicas = [];
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    replicas = await ReplicaNamesAsync(client);
                    return replicas.Count == 3;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
                {
                    return false;
                }
            },
            StartTimeout,
            $"{service} lists 3 replicas");
        return replicas;
    }

    private static async Task<IReadOnlyList<string>> ReplicaNamesAsync(HttpClient client)
    {
        using var document = JsonDocument.Parse(await client.GetStringAsync("/rep"));
        return [.. document.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Select(r => r.GetString()!)];
    }

    /// <summary><c>/home</c> with a request id: 200, the seed's body naming the replica, and that replica in <c>X-Replica</c>.</summary>
    private static async Task AssertHomeAsync(HttpClient client, IReadOnlyList<string> replicas)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
        request.Headers.Add("X-Request-Id", "123456");
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var match = HomeBody().Match(body);
        Assert.True(match.Success, body);
        Assert.Contains(match.Groups[1].Value, replicas);
        Assert.Equal(match.Groups[1].Value, Assert.Single(response.Headers.GetValues("X-Replica")));
    }

    private static async Task<HttpStatusCode?> HomeStatusAsync(HttpClient client)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
            request.Headers.Add("X-Request-Id", "123456");
            using var response = await client.SendAsync(request);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>A fixed number of <c>/home</c> requests with random 6-digit ids over the gateways; every one must answer 200.</summary>
    private async Task BurstAsync(IReadOnlyList<HttpClient> clients, int requests, int concurrency)
    {
        var failures = new ConcurrentBag<string>();
        var served = new ConcurrentDictionary<string, int>();
        var next = 0;
        using var cap = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var random = new Random(worker);
            var client = clients[worker % clients.Count];
            while (Interlocked.Increment(ref next) <= requests && !cap.IsCancellationRequested)
            {
                var id = random.Next(100_000, 1_000_000).ToString(CultureInfo.InvariantCulture);
                using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
                request.Headers.Add("X-Request-Id", id);
                try
                {
                    using var response = await client.SendAsync(request, cap.Token);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Add($"{id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cap.Token)}");
                    }
                    else if (response.Headers.TryGetValues("X-Replica", out var replica))
                    {
                        served.AddOrUpdate(replica.First(), 1, (_, n) => n + 1);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    failures.Add($"{id}: {ex.GetType().Name} {ex.Message}");
                }
            }
        }));

        var answered = served.Values.Sum();
        output.WriteLine($"burst: {answered} of {requests} answered 200 in {clock.Elapsed.TotalSeconds:0.0} s; per replica: "
            + string.Join(", ", served.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key} {s.Value}")));
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(5)));
        Assert.Equal(requests, answered);
        Assert.Equal(["Server 1", "Server 2", "Server 3"], served.Keys.Order(StringComparer.Ordinal));
    }

    private async Task WaitHealthyAsync(IReadOnlyList<string> services)
    {
        var states = "";
        try
        {
            await Eventually.TrueAsync(
                async () =>
                {
                    var containers = new List<(string Name, string? Health)>();
                    foreach (var service in services)
                    {
                        containers.Add((service, (await Project.InspectAsync(service)).State?.Health?.Status));
                    }

                    var replicas = (await Project.ReplicasAsync()).Select(r => (Name: r.Name.TrimStart('/'), Health: r.State?.Health?.Status)).ToList();
                    states = string.Join(", ", containers.Concat(replicas).Select(c => $"{c.Name}: {c.Health ?? "no health check"}"));
                    return containers.All(c => c.Health == "healthy") && replicas.All(r => r.Health is "healthy" or "starting");
                },
                StartTimeout,
                "every container is healthy");
        }
        finally
        {
            output.WriteLine(states);
        }

        // A replica's own check runs every 30 s (the silo probes it twice a second already): instead of waiting for
        // Docker's first run, run that very command in each replica now.
        foreach (var replica in await Project.ReplicasAsync())
        {
            var (exit, text) = await DockerExecAsync(replica.ID, (replica.Config?.Healthcheck?.Test ?? []).Skip(1));
            Assert.True(exit == 0, $"the health check of {replica.Name} failed ({exit}): {text}");
        }
    }

    private static async Task<(int ExitCode, string Output)> DockerExecAsync(string container, IEnumerable<string> command)
    {
        var start = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["exec", container, .. command])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not run docker exec");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await error);
    }

    /// <summary>The last lines of every service's output, for a failed test's report.</summary>
    private async Task<string> LogsAsync()
    {
        try
        {
            var (_, logs) = await Project.RunAsync("logs", "--no-color", "--tail", "40");
            return logs;
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            return $"(no logs: {ex.Message})";
        }
    }

    private static string[] Images(params string[] programs) => [.. programs.Select(p => $"orleans-lb/{p}:{ComposeProject.ImageTag}")];

    private static HttpClient Client(int port) =>
        new(new SocketsHttpHandler { UseProxy = false, UseCookies = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromSeconds(30),
        };

    [GeneratedRegex("""^\{"message": "Hello from Server: (.+)", "status": "successful"\}$""")]
    private static partial Regex HomeBody();
}
