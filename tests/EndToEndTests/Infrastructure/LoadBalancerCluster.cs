using System.Net;
using System.Text;
using System.Text.Json;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A real cluster on 127.0.0.1: one silo process (which spawns real BackendServer processes) and gateway processes,
/// each on free ports, driven over HTTP.
/// </summary>
public sealed class LoadBalancerCluster : IAsyncDisposable
{
    private readonly List<ManagedProcess> _processes = [];
    private readonly Dictionary<string, string> _clusterSettings;
    private Dictionary<string, string> _siloSettings = [];
    private readonly Dictionary<int, Dictionary<string, string>> _siloSettingsByPort = [];
    private readonly List<Dictionary<string, string>> _gatewaySettings = [];
    private readonly DirectoryInfo _stateDirectory = Directory.CreateTempSubdirectory("orleans-lb-state-");

    private LoadBalancerCluster(Dictionary<string, string> clusterSettings)
    {
        _clusterSettings = clusterSettings;
    }

    public ManagedProcess Silo { get; private set; } = null!;

    /// <summary>Every silo, by silo port (the first is <see cref="Silo"/>).</summary>
    public Dictionary<int, ManagedProcess> Silos { get; } = [];

    /// <summary>The silo's HTTP endpoint (dashboard, metrics).</summary>
    public Uri SiloUrl { get; private set; } = null!;

    public List<GatewayEndpoint> Gateways { get; } = [];

    public GatewayEndpoint Gateway => Gateways[0];

    public int GatewayPort => int.Parse(_clusterSettings["Cluster__GatewayPort"], System.Globalization.CultureInfo.InvariantCulture);

    public string ClusterId => _clusterSettings["Cluster__ClusterId"];

    public string ServiceId => _clusterSettings["Cluster__ServiceId"];

    /// <summary>The silos' <c>Cluster:StateDirectory</c>: a folder of this cluster's own, removed with it.</summary>
    public string StateDirectory => _stateDirectory.FullName;

    /// <summary>Starts a silo and <paramref name="gateways"/> gateways and waits until the first gateway routes with the initial replicas.</summary>
    public static async Task<LoadBalancerCluster> StartAsync(
        int gateways = 1,
        int silos = 1,
        IReadOnlyDictionary<string, string>? siloSettings = null,
        IReadOnlyDictionary<string, string>? gatewaySettings = null,
        int expectedReplicas = 3)
    {
        var siloPort = FreePort.Next();
        var shared = new Dictionary<string, string>
        {
            ["Cluster__ClusterId"] = "test-" + Guid.NewGuid().ToString("N")[..8],
            ["Cluster__ServiceId"] = "test-service-" + Guid.NewGuid().ToString("N")[..8],
            ["Cluster__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster__PrimarySiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var cluster = new LoadBalancerCluster(shared);
        try
        {
            for (var i = 0; i < silos; i++)
            {
                var port = i == 0 ? siloPort : FreePort.Next();
                var silo = new Dictionary<string, string>(shared)
                {
                    ["Urls"] = $"http://127.0.0.1:{FreePort.Next()}",
                    ["Logging__LogLevel__Default"] = "Information",
                    ["Cluster__SiloPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Cluster__StateDirectory"] = cluster.StateDirectory,
                };
                if (i > 0)
                {
                    silo["Cluster__GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                foreach (var (key, value) in siloSettings ?? new Dictionary<string, string>())
                {
                    silo[key] = value;
                }

                var process = ManagedProcess.StartDotnet($"silo{i + 1}", RepoPaths.Silo, silo);
                cluster._processes.Add(process);
                cluster.Silos[port] = process;
                cluster._siloSettingsByPort[port] = silo;
                if (i == 0)
                {
                    cluster.SiloUrl = new Uri(silo["Urls"]);
                    cluster._siloSettings = silo;
                    cluster.Silo = process;
                }
            }

            for (var i = 0; i < gateways; i++)
            {
                await cluster.StartGatewayAsync(gatewaySettings);
            }

            await cluster.WaitForReplicasAsync(expectedReplicas, TimeSpan.FromSeconds(120));
            return cluster;
        }
        catch (Exception ex)
        {
            var output = cluster.Output;
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"The cluster did not start: {ex.Message}\n{output}", ex);
        }
    }

    /// <summary>
    /// Starts another gateway on this cluster and waits until it serves. Settings with <c>Kestrel:Endpoints</c> (which
    /// make Kestrel ignore <c>Urls</c>) get one more endpoint, <c>Traffic</c>, on the port <c>Urls</c> would have named.
    /// </summary>
    public async Task<GatewayEndpoint> StartGatewayAsync(IReadOnlyDictionary<string, string>? settings = null, IReadOnlyList<string>? launcher = null)
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string>(_clusterSettings)
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Logging__LogLevel__Default"] = "Information",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        if (environment.Keys.Any(k => k.StartsWith("Kestrel__Endpoints__", StringComparison.Ordinal)))
        {
            environment.TryAdd("Kestrel__Endpoints__Traffic__Url", environment["Urls"]);
        }

        var process = ManagedProcess.StartDotnet($"gateway{Gateways.Count + 1}", RepoPaths.Gateway, environment, launcher ?? []);
        _processes.Add(process);
        _gatewaySettings.Add(environment);
        var gateway = new GatewayEndpoint(process, new Uri($"http://127.0.0.1:{port}"));
        Gateways.Add(gateway);
        await gateway.WaitServingAsync(TimeSpan.FromSeconds(120));
        return gateway;
    }

    /// <summary>The environment gateway <paramref name="index"/> was started with.</summary>
    public IReadOnlyDictionary<string, string> GatewaySettings(int index) => _gatewaySettings[index];

    /// <summary>Kills the silo listening on <paramref name="siloPort"/> with SIGKILL.</summary>
    public void KillSilo(int siloPort) => Silos[siloPort].Kill();

    /// <summary>Starts the silo of <paramref name="siloPort"/> again with the same settings.</summary>
    public void StartSilo(int siloPort)
    {
        var process = ManagedProcess.StartDotnet($"silo-{siloPort}", RepoPaths.Silo, _siloSettingsByPort[siloPort]);
        _processes.Add(process);
        Silos[siloPort] = process;
    }

    /// <summary>
    /// Kills the silo (as a crash would) and starts it again with the same settings; with <paramref name="loseState"/>,
    /// its stored ring is deleted in between (a lost disk), so the new silo starts from what still runs.
    /// </summary>
    public async Task RestartSiloAsync(bool loseState = false)
    {
        Silo.Kill();
        // Dispose kills a process still running with its whole tree: waiting for the exit first keeps the replicas it
        // started (children by process id) out of that, as they outlive a silo killed for real.
        await Silo.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await Silo.DisposeAsync();
        if (loseState)
        {
            foreach (var stored in Directory.EnumerateFileSystemEntries(StateDirectory))
            {
                if (Directory.Exists(stored))
                {
                    Directory.Delete(stored, recursive: true);
                }
                else
                {
                    File.Delete(stored);
                }
            }
        }

        Silo = ManagedProcess.StartDotnet("silo", RepoPaths.Silo, _siloSettings);
        _processes.Add(Silo);
        Silos[int.Parse(_siloSettings["Cluster__SiloPort"], System.Globalization.CultureInfo.InvariantCulture)] = Silo;
    }

    /// <summary>Kills gateway <paramref name="index"/> and starts it again on the same port.</summary>
    public async Task<GatewayEndpoint> RestartGatewayAsync(int index)
    {
        Gateways[index].Process.Kill();
        await Gateways[index].Process.DisposeAsync();
        var environment = _gatewaySettings[index];
        var process = ManagedProcess.StartDotnet($"gateway{index + 1}", RepoPaths.Gateway, environment);
        _processes.Add(process);
        Gateways[index] = new GatewayEndpoint(process, Gateways[index].Address);
        await Gateways[index].WaitServingAsync(TimeSpan.FromSeconds(120));
        return Gateways[index];
    }

    public async Task WaitForReplicasAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var replicas = await Gateway.GetReplicaNamesAsync();
                if (replicas.Count == count)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The cluster did not reach {count} replicas within {timeout}");
            }

            await Task.Delay(100);
        }
    }

    public string Output => string.Join("\n", _processes.Select(p => $"--- {p.Name} ---\n{p.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in Gateways)
        {
            gateway.Http.Dispose();
        }

        // Gateways first, then the silo (which stops its replicas).
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }

        // Replicas of a silo that was killed outlive it, and so does one it was starting as it died.
        ClusterProcesses.EndAll(ClusterId);
        _stateDirectory.Delete(recursive: true);
    }
}

/// <summary>One gateway process and an HTTP client bound to it.</summary>
public sealed class GatewayEndpoint(ManagedProcess process, Uri address)
{
    public ManagedProcess Process { get; } = process;

    public Uri Address { get; } = address;

    public HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false, UseCookies = false, MaxConnectionsPerServer = 256 })
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async Task WaitServingAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"{Process.Name} exited:\n{Process.Output}");
            }

            try
            {
                using var response = await Http.GetAsync("/rep");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Process.Name} did not serve within {timeout}:\n{Process.Output}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<IReadOnlyList<string>> GetReplicaNamesAsync()
    {
        using var document = JsonDocument.Parse(await Http.GetStringAsync("/rep"));
        return document.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    /// <summary>The replica that serves <paramref name="key"/>, read from <c>X-Replica</c>.</summary>
    public async Task<string> RouteAsync(string key, string path = "/home")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Request-Id", key);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("X-Replica").Single();
    }

    public async Task<Dictionary<string, string>> RouteAllAsync(IEnumerable<string> keys, int parallelism = 16)
    {
        var routes = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (key, _) =>
            routes[key] = await RouteAsync(key));
        return new Dictionary<string, string>(routes);
    }

    /// <summary>
    /// A key each of <paramref name="replicas"/> replicas owns, by replica name, from <paramref name="candidates"/>; waits
    /// (up to a minute) until that many replicas are routed: external ones are once their first health check passed.
    /// </summary>
    public async Task<Dictionary<string, string>> KeyOfEachReplicaAsync(IReadOnlyList<string> candidates, int replicas, string path = "/home")
    {
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                keys.Clear();
                foreach (var key in candidates)
                {
                    keys.TryAdd(await RouteAsync(key, path), key);
                }

                return keys.Count == replicas;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), $"each of {replicas} replicas owns one of the keys");
        return keys;
    }

    public Task<HttpResponseMessage> AddAsync(string json, string? apiKey = null) => SendJsonAsync(HttpMethod.Post, "/add", json, apiKey);

    public Task<HttpResponseMessage> RemoveAsync(string json, string? apiKey = null) => SendJsonAsync(HttpMethod.Delete, "/rm", json, apiKey);

    public async Task<JsonDocument> GetJsonAsync(string path) => JsonDocument.Parse(await Http.GetStringAsync(path));

    private Task<HttpResponseMessage> SendJsonAsync(HttpMethod method, string path, string json, string? apiKey)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (apiKey is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        return Http.SendAsync(request);
    }
}
