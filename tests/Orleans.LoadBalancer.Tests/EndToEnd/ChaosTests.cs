using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.LoadBalancer.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.Tests.EndToEnd;

/// <summary>
/// What a user does: start the README's command (<c>deploy/run-local.sh</c>, as a real process on ports of its own), keep
/// a steady load running, and in turn <c>kill -9</c> a replica, <c>kill -9</c> the silo, and replace the gateway
/// (<c>kill -USR2</c> to the script). After each: no failed request, three replicas, every sampled key on its replica.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Keys = Enumerable.Range(0, 200).Select(i => $"chaos-key-{i}").ToArray();

    private readonly string _clusterId = "chaos-" + Guid.NewGuid().ToString("N")[..8];
    private readonly int _gatewayPort = FreePort.Next();
    private readonly StringBuilder _log = new();
    private Process _script = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "deploy", "run-local.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["NO_BUILD"] = RepoPaths.Configuration == "Release" ? "1" : "0";
        start.Environment["CLUSTER_ID"] = _clusterId;
        start.Environment["GATEWAY_PORT"] = _gatewayPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["SILO_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        start.Environment["SILO_GATEWAY_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        start.Environment["SILO_HTTP_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        _script = Process.Start(start)!;
        _script.OutputDataReceived += (_, e) => Keep(e.Data);
        _script.ErrorDataReceived += (_, e) => Keep(e.Data);
        _script.BeginOutputReadLine();
        _script.BeginErrorReadLine();
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_gatewayPort}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        await Eventually.TrueAsync(async () => (await ReplicaNamesAsync()).Count == 3, TimeSpan.FromSeconds(120), "run-local.sh serves with three replicas");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (!_script.HasExited)
        {
            Signal("TERM", _script.Id);
            await _script.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        // Nothing of it may be left: no replica, no silo, no gateway (a normal stop of the embedded default).
        Assert.Empty(ClusterInspection.ReplicaProcesses(_clusterId));
        Assert.Empty(Programs("Orleans.LoadBalancer"));
    }

    [Fact]
    public async Task Run_local_survives_a_killed_replica_a_killed_silo_and_a_gateway_hand_over_without_a_failed_request()
    {
        var routes = await RouteAllAsync();
        var rows = new List<string>();

        rows.Add(await FaultAsync("kill -9 a replica", () => Signal("KILL", RegisteredReplicas().First()), routes));
        rows.Add(await FaultAsync("kill -9 the silo", () => Signal("KILL", Programs("Orleans.LoadBalancer.Silo.dll").Single()), routes, adminCheck: true));
        var gatewayBefore = Programs("Orleans.LoadBalancer.Gateway.dll").Single();
        rows.Add(await FaultAsync("gateway hand-over (kill -USR2 run-local.sh)", () => Signal("USR2", _script.Id), routes,
            settled: () => Programs("Orleans.LoadBalancer.Gateway.dll") is [var only] && only != gatewayBefore));

        output.WriteLine("| fault | requests sent | failed | every key back after |");
        output.WriteLine("|---|---:|---:|---:|");
        rows.ForEach(output.WriteLine);
        output.WriteLine(string.Join('\n', _log.ToString().Split('\n').Where(l => l.Contains("[supervisor", StringComparison.Ordinal))));
    }

    private async Task<string> FaultAsync(string fault, Action inject, Dictionary<string, string> routes, bool adminCheck = false, Func<bool>? settled = null)
    {
        await using var load = SteadyLoad.Start(_http);
        await Task.Delay(1000);
        var clock = Stopwatch.StartNew();
        inject();
        await Task.Delay(500);
        await Eventually.TrueAsync(async () => (settled?.Invoke() ?? true) && await AllRoutedAsync(routes), TimeSpan.FromSeconds(90), $"{fault}: every key back on its replica");
        var back = clock.Elapsed;
        if (adminCheck)
        {
            await Eventually.TrueAsync(async () => (await _http.GetAsync("/replicas")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(90), "the admin API answers");
            output.WriteLine($"{fault}: admin API back {clock.Elapsed.TotalSeconds:0.0} s after the fault");
        }

        await Task.Delay(1000);
        var (sent, failed) = await load.StopAsync();
        Assert.True(failed == 0, $"{fault}: {failed} of {sent} failed:\n{string.Join('\n', load.Failures.Take(10))}\n{_log}");
        Assert.Equal(3, (await ReplicaNamesAsync()).Count);
        Assert.Equal(routes, await RouteAllAsync());
        return $"| {fault} | {sent} | {failed} | {back.TotalSeconds:0.0} s |";
    }

    private async Task<bool> AllRoutedAsync(Dictionary<string, string> routes)
    {
        try
        {
            var now = await RouteAllAsync();
            return routes.All(r => now.TryGetValue(r.Key, out var replica) && replica == r.Value);
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task<Dictionary<string, string>> RouteAllAsync()
    {
        var routes = new Dictionary<string, string>();
        foreach (var key in Keys)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
            request.Headers.Add("X-Request-Id", key);
            using var response = await _http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            routes[key] = response.Headers.GetValues("X-Replica").Single();
        }

        return routes;
    }

    private async Task<IReadOnlyList<string>> ReplicaNamesAsync()
    {
        try
        {
            using var document = JsonDocument.Parse(await _http.GetStringAsync("/rep"));
            return document.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Select(e => e.GetString()!).ToList();
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    /// <summary>The live serving replicas of the cluster (registered ones, not spares), by process id.</summary>
    private List<int> RegisteredReplicas()
    {
        var live = ClusterInspection.ReplicaProcesses(_clusterId);
        return Directory.EnumerateFiles(Path.Combine(Path.GetTempPath(), "orleans-lb", "replicas", _clusterId), "*.json")
            .Select(f => int.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture)).Where(live.ContainsKey).ToList();
    }

    /// <summary>Processes of this cluster whose command line holds <paramref name="program"/>.</summary>
    private List<int> Programs(string program)
    {
        var marker = $"Cluster__ClusterId={_clusterId}";
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(program, StringComparison.Ordinal)
                    && File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains(marker, StringComparer.Ordinal)
                    && !File.ReadAllText(Path.Combine(dir, "stat")).Split(')')[^1].TrimStart().StartsWith('Z'))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
