using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// The cluster across separate hosts (<see cref="HostNetwork"/>): Redis on <c>redis</c> (clustering and grain storage),
/// a silo on each of <c>host1</c>…<c>hostN</c> (each a host for replicas: <c>Replicas:Placement:Spread</c>), and two
/// gateways on <c>gw</c>. Every program runs in its host's namespace and listens on that host's address; the test
/// talks to the gateways from the root namespace.
/// </summary>
public sealed class MultiHostCluster : IAsyncDisposable
{
    public const string ApiKey = "multi-host-test-key";
    private const int GatewayHttpPort = 5000;
    private const int DeadStatus = 6;
    private readonly Dictionary<string, string> _shared;
    private readonly string _stateDirectory;

    private MultiHostCluster(HostNetwork network, string[] siloHosts, Dictionary<string, string> shared, string stateDirectory)
    {
        (Network, SiloHosts, _shared, _stateDirectory) = (network, siloHosts, shared, stateDirectory);
    }

    public HostNetwork Network { get; }

    public IReadOnlyList<string> SiloHosts { get; }

    public Dictionary<string, ManagedProcess> Silos { get; } = new(StringComparer.Ordinal);

    public List<ManagedProcess> Others { get; } = [];

    public List<HttpClient> Gateways { get; } = [];

    public string Output => string.Join("\n", Silos.Select(s => $"--- silo {s.Key} ---\n{Tail(s.Value.Output)}").Concat(Others.Select(p => $"--- {p.Name} ---\n{Tail(p.Output)}")));

    public static async Task<MultiHostCluster> StartAsync(int silos = 3)
    {
        var hosts = Enumerable.Range(1, silos).Select(i => $"host{i}").ToArray();
        var network = await HostNetwork.CreateAsync(["redis", .. hosts, "gw"]);
        var id = Guid.NewGuid().ToString("N")[..8];
        var state = Directory.CreateTempSubdirectory("lb-hosts-").FullName;
        var shared = new Dictionary<string, string>
        {
            ["Cluster__Provider"] = "Redis",
            ["Cluster__RedisConnectionString"] = $"{network.AddressOf("redis")}:6379,abortConnect=false",
            ["Cluster__ClusterId"] = "hosts-" + id,
            ["Cluster__ServiceId"] = "hosts-service-" + id,
            ["Cluster__SiloPort"] = "11111",
            ["Cluster__GatewayPort"] = "30000",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        var cluster = new MultiHostCluster(network, hosts, shared, state);
        try
        {
            var redis = ExternalTool.Require("redis-server", "/usr/bin/redis-server");
            cluster.Others.Add(network.Start("redis", "redis", redis,
                ["--bind", network.AddressOf("redis"), "--port", "6379", "--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", state]));
            foreach (var host in hosts)
            {
                cluster.StartSilo(host);
            }

            await Eventually.TrueAsync(async () => (await Task.WhenAll(hosts.Select(cluster.SiloReadyAsync))).All(r => r), TimeSpan.FromSeconds(180), "every silo is ready");
            for (var i = 0; i < 2; i++)
            {
                var gateway = new Dictionary<string, string>(shared)
                {
                    ["Urls"] = $"http://{network.AddressOf("gw")}:{GatewayHttpPort + i}",
                    ["Admin__ApiKey"] = ApiKey,
                    // A request in flight to a host that was cut off waits this long for headers, then is retried on
                    // the key's next replica (the default, 30 s, is the load's own patience).
                    ["Gateway__ReplicaTimeout"] = "00:00:05",
                };
                cluster.Others.Add(network.Start("gw", $"gateway{i + 1}", "dotnet", [RepoPaths.Gateway], gateway, Path.GetDirectoryName(RepoPaths.Gateway)));
                cluster.Gateways.Add(new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 })
                {
                    BaseAddress = new Uri($"http://{network.AddressOf("gw")}:{GatewayHttpPort + i}"),
                    Timeout = TimeSpan.FromSeconds(30),
                });
            }

            foreach (var gateway in cluster.Gateways)
            {
                await Eventually.TrueAsync(async () => (await TryGetAsync(gateway, "/replicas")) == HttpStatusCode.OK, TimeSpan.FromSeconds(180), "the gateway answers /replicas");
            }
        }
        catch (Exception ex)
        {
            var output = cluster.Output;
            await cluster.DisposeAsync();
            throw new InvalidOperationException($"The multi-host cluster did not start: {ex.Message}\n{output}", ex);
        }

        return cluster;
    }

    /// <summary>Starts (or starts again) the silo of <paramref name="host"/>.</summary>
    public void StartSilo(string host)
    {
        var settings = new Dictionary<string, string>(_shared)
        {
            ["Cluster__AdvertisedAddress"] = Network.AddressOf(host),
            ["Urls"] = "http://127.0.0.1:8080",
            ["Replicas__InitialCount"] = "0",
            ["Replicas__StartTimeout"] = "00:01:00",
            ["Replicas__Placement__Spread"] = "true",
            ["Replicas__Placement__HostName"] = host,
            ["Replicas__Process__WarmSpares"] = "0",
            ["Replicas__Process__StateDirectory"] = _stateDirectory,
        };
        Silos[host] = Network.Start(host, $"silo-{host}", "dotnet", [RepoPaths.Silo], settings, Path.GetDirectoryName(RepoPaths.Silo));
    }

    /// <summary>The silo answers <c>/readyz</c> (Active in the cluster, the ring answers), asked inside its namespace.</summary>
    public async Task<bool> SiloReadyAsync(string host)
    {
        var (code, _) = await RunAsync("ip", "netns", "exec", Network.NamespaceOf(host), "curl", "-s", "-m", "3", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:8080/readyz");
        return code.Trim() == "200";
    }

    /// <summary>
    /// The membership table (in Redis) holds every silo of <paramref name="host"/> as dead (<c>SiloStatus.Dead</c>, 6):
    /// the other silos voted it out. Asked with <c>redis-cli</c> from the root namespace.
    /// </summary>
    public async Task<bool> DeclaredDeadAsync(string host)
    {
        var key = $"{_shared["Cluster__ServiceId"]}/members/{_shared["Cluster__ClusterId"]}";
        var (output, code) = await RunAsync(
            ExternalTool.Require("redis-cli", "/usr/bin/redis-cli"), "-h", Network.AddressOf("redis"), "-p", "6379", "--raw", "HVALS", key);
        var address = $"\"{Network.AddressOf(host)}:";
        var rows = output.Split('\n').Where(l => l.Contains(address, StringComparison.Ordinal)).ToList();
        return code == 0 && rows.Count > 0
            && rows.All(r => JsonDocument.Parse(r).RootElement.GetProperty("Status").GetInt32() == DeadStatus);
    }

    /// <summary>Replicas as <c>GET /replicas</c> shows them: name → (host, address, state).</summary>
    public async Task<Dictionary<string, (string Host, string Address, string State)>> ReplicasAsync(int gateway = 0)
    {
        using var document = JsonDocument.Parse(await Gateways[gateway].GetStringAsync("/replicas"));
        return document.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().ToDictionary(
            r => r.GetProperty("name").GetString()!,
            r => (r.GetProperty("host").GetString()!, r.GetProperty("address").GetString()!, r.GetProperty("state").GetString()!),
            StringComparer.Ordinal);
    }

    public Task<HttpResponseMessage> AddAsync(int count) => AdminAsync(HttpMethod.Post, "/add", $"{{\"n\": {count}}}");

    public Task<HttpResponseMessage> RemoveAsync(params string[] names) =>
        AdminAsync(HttpMethod.Delete, "/rm", JsonSerializer.Serialize(new { n = names.Length, hostnames = names }));

    private async Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string json)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiKey);
        // An add waits for every new replica's heartbeat (Replicas:StartTimeout): longer than the load's patience.
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = Gateways[0].BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        return await admin.SendAsync(request, cancel.Token);
    }

    /// <summary>
    /// Every replica process of every host, asked who it is: (host, replica name) for each one that answers on its
    /// address (from its command line). Processes in a host's namespace are that host's.
    /// </summary>
    public async Task<List<(string Host, string Name)>> AskEveryReplicaAsync()
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var found = new List<(string, string)>();
        foreach (var host in SiloHosts)
        {
            foreach (var pid in await Network.ProcessesOfAsync(host))
            {
                string commandLine;
                try
                {
                    commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
                }
                catch (IOException)
                {
                    continue;
                }

                var parts = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var urls = Array.IndexOf(parts, "--urls");
                if (!commandLine.Contains("Orleans.LoadBalancer.BackendServer", StringComparison.Ordinal) || urls < 0 || urls + 1 >= parts.Length)
                {
                    continue;
                }

                try
                {
                    var body = await http.GetStringAsync(parts[urls + 1] + "/home");
                    var name = JsonDocument.Parse(body).RootElement.GetProperty("message").GetString()!.Replace("Hello from Server: ", "", StringComparison.Ordinal);
                    found.Add((host, name));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
                {
                    // Not serving (cut off, stopping): it answers no one.
                }
            }
        }

        return found;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in Gateways)
        {
            gateway.Dispose();
        }

        await Network.DisposeAsync();
        // A silo that was declared dead, or killed, leaves its replicas running (detached): none may outlive the test.
        ClusterProcesses.EndAll(_shared["Cluster__ClusterId"]);
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<HttpStatusCode?> TryGetAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(path);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<(string Output, int Code)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not run {program}");
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        return (await output, process.ExitCode);
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(80));
}
