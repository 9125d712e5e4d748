using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.Silo.Replicas;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>Looks inside a running cluster from a test: an Orleans client of its own, the routing table, the replica processes.</summary>
internal static class ClusterInspection
{
    /// <summary>A started Orleans client on the cluster's Redis, with a short response timeout so a call to a dead silo fails fast.</summary>
    public static async Task<IHost> ConnectRedisAsync(string connectionString, string clusterId, string serviceId)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Error))
            .UseOrleansClient(c => c.UseRedisClustering(connectionString)
                .Configure<Orleans.Configuration.ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId))
                .Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(2)))
            .Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>A started Orleans client on a localhost-clustered silo.</summary>
    public static async Task<IHost> ConnectLocalhostAsync(int gatewayPort, string clusterId, string serviceId)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Error))
            .UseOrleansClient(c => c.UseLocalhostClustering(gatewayPort, serviceId, clusterId)
                .Configure<Orleans.Configuration.ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5)))
            .Build();
        await host.StartAsync();
        return host;
    }

    public static IClusterClient Client(this IHost host) => host.Services.GetRequiredService<IClusterClient>();

    /// <summary>
    /// The whole table as the owner of every 2^48-wide arc of the hash space (65,536 points: one per slot of the default
    /// table), by replica name, with each replica's up mark: equal for two snapshots exactly when they route alike.
    /// </summary>
    public static IReadOnlyList<string> Table(RoutingSnapshot snapshot)
    {
        var owners = new List<string>(65_536 + snapshot.Count);
        for (var i = 0UL; i < 65_536; i++)
        {
            var owner = snapshot.Owner(i << 48);
            owners.Add(owner < 0 ? "" : snapshot.Replicas[owner].Name);
        }

        owners.AddRange(snapshot.Replicas.Select(r => $"{r.Name}|{r.Address}|{r.IsUp}"));
        return owners;
    }

    /// <summary>Whether the silo identity Orleans reports (<c>RuntimeIdentity</c>) is the silo listening on <paramref name="siloPort"/>.</summary>
    public static bool IsSilo(string identity, int siloPort) => identity.Contains($":{siloPort}:", StringComparison.Ordinal);

    /// <summary>
    /// Live replica processes of a cluster, read from <c>/proc</c> (the local-process runtime marks them with
    /// <see cref="LocalProcessReplicaRuntime.ClusterVariable"/>): the replica name of each, by process id.
    /// </summary>
    public static Dictionary<int, string> ReplicaProcesses(string clusterId) => Processes(clusterId, askSpares: true);

    /// <summary>Every live process of a cluster's replica runtime, warm spares included, by process id.</summary>
    public static ICollection<int> RuntimeProcesses(string clusterId) => Processes(clusterId, askSpares: false).Keys;

    private static Dictionary<int, string> Processes(string clusterId, bool askSpares)
    {
        var marker = $"{LocalProcessReplicaRuntime.ClusterVariable}={clusterId}";
        var found = new Dictionary<int, string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string[] environment;
            try
            {
                environment = File.ReadAllText(Path.Combine(dir, "environ"), Encoding.UTF8).Split('\0');
                if (File.ReadAllText(Path.Combine(dir, "stat")).Split(')')[^1].TrimStart().StartsWith('Z'))
                {
                    continue;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (environment.Contains(marker, StringComparer.Ordinal)
                && environment.FirstOrDefault(e => e.StartsWith("SERVER_ID=", StringComparison.Ordinal)) is { } id)
            {
                // A warm spare takes its name after it started (its SERVER_ID stays the placeholder): ask it. One that
                // has not taken a name yet is no replica.
                var name = askSpares && environment.Contains("BACKEND_ASSIGNABLE=1", StringComparer.Ordinal) ? NameOfSpare(pid) : id["SERVER_ID=".Length..];
                if (name is not null && (!askSpares || name != SparePlaceholder))
                {
                    found[pid] = name;
                }
            }
        }

        return found;
    }

    private const string SparePlaceholder = "spare";

    private static readonly HttpClient Direct = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>The name a warm spare process answers as now, or null when it does not answer.</summary>
    private static string? NameOfSpare(int pid)
    {
        try
        {
            var arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            var urls = Array.IndexOf(arguments, "--urls");
            if (urls < 0 || urls + 1 >= arguments.Length)
            {
                return null;
            }

            var body = Direct.GetStringAsync(arguments[urls + 1] + "/home").GetAwaiter().GetResult();
            return ControlPlaneProbe.AnsweredBy(body) is { Length: > 0 } name ? name : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// The address each live replica process of a cluster listens on (its <c>--urls</c> argument), by process id. A warm
    /// spare is listed too (its <c>SERVER_ID</c> is only a placeholder): ask its <c>/home</c> what it answers as.
    /// </summary>
    public static Dictionary<int, string> ReplicaAddresses(string clusterId)
    {
        var found = new Dictionary<int, string>();
        foreach (var pid in ReplicaProcesses(clusterId).Keys)
        {
            string[] arguments;
            try
            {
                arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            var urls = Array.IndexOf(arguments, "--urls");
            if (urls >= 0 && urls + 1 < arguments.Length)
            {
                found[pid] = arguments[urls + 1];
            }
        }

        return found;
    }
}
