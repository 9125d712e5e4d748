using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>One proxied request's outcome: status, <c>X-Replica</c>, and the name the replica process itself answered with.</summary>
internal sealed record Served(int Status, string Replica, string AnsweredBy)
{
    public bool By(string name) => Status == 200 && Replica == name && AnsweredBy == name;

    public override string ToString() => Status == 200 ? $"{Replica} (answered as '{AnsweredBy}')" : $"HTTP {Status}";
}

/// <summary>Looks at a running cluster from outside, without calls that an unresponsive control plane would hold up.</summary>
internal static class ControlPlaneProbe
{
    private const string Hello = "Hello from Server: ";

    private static readonly HttpClient Direct = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };

    public static async Task<Served> ServeAsync(GatewayEndpoint gateway, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
        request.Headers.Add("X-Request-Id", key);
        try
        {
            using var response = await gateway.Http.SendAsync(request);
            var replica = response.Headers.TryGetValues("X-Replica", out var values) ? values.Single() : "";
            return new Served((int)response.StatusCode, replica, AnsweredBy(await response.Content.ReadAsStringAsync()));
        }
        catch (HttpRequestException)
        {
            return new Served(0, "", "");
        }
    }

    public static async Task<Dictionary<string, Served>> ServeAllAsync(GatewayEndpoint gateway, IEnumerable<string> keys)
    {
        var served = new System.Collections.Concurrent.ConcurrentDictionary<string, Served>();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (key, _) => served[key] = await ServeAsync(gateway, key));
        return new Dictionary<string, Served>(served);
    }

    /// <summary>
    /// Serves <paramref name="keys"/> until one is answered by a process calling itself <paramref name="victim"/> (its old
    /// process being gone, that is its replacement), for at most <paramref name="limit"/> of <paramref name="clock"/>:
    /// when that happened (null: never), whether <paramref name="meanwhile"/> was still running then, and the last round.
    /// </summary>
    public static async Task<(TimeSpan? At, bool WhileRunning, Dictionary<string, Served> Last)> WaitServedByAsync(
        GatewayEndpoint gateway, IReadOnlyList<string> keys, string victim, System.Diagnostics.Stopwatch clock, TimeSpan limit, Task meanwhile)
    {
        var last = new Dictionary<string, Served>();
        while (clock.Elapsed < limit)
        {
            last = await ServeAllAsync(gateway, keys);
            if (last.Values.Any(s => s.By(victim)))
            {
                return (clock.Elapsed, !meanwhile.IsCompleted, last);
            }

            await Task.Delay(50);
        }

        return (null, false, last);
    }

    /// <summary>The replica name a BackendServer answers <c>/home</c> with, or "".</summary>
    public static string AnsweredBy(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var message = document.RootElement.GetProperty("message").GetString() ?? "";
            return message.StartsWith(Hello, StringComparison.Ordinal) ? message[Hello.Length..] : "";
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "";
        }
    }

    /// <summary>The process id of the live replica process of <paramref name="clusterId"/> that answers as <paramref name="name"/>, or null.</summary>
    public static async Task<int?> ProcessAnsweringAsAsync(string clusterId, string name)
    {
        foreach (var (pid, address) in ClusterInspection.ReplicaAddresses(clusterId))
        {
            try
            {
                if (AnsweredBy(await Direct.GetStringAsync(address + "/home")) == name)
                {
                    return pid;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
        }

        return null;
    }

    /// <summary>Name, address and process id of every replica, from <c>/replicas</c>.</summary>
    public static async Task<List<(string Name, string Address, int Pid)>> ReplicasAsync(GatewayEndpoint gateway)
    {
        using var replicas = await gateway.GetJsonAsync("/replicas");
        return replicas.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
            .Select(r => (r.GetProperty("name").GetString()!, r.GetProperty("address").GetString()!,
                int.Parse(r.GetProperty("runtimeId").GetString()!, CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>The version of the snapshot the gateway routes with (<c>/ring</c>).</summary>
    public static async Task<long> RingVersionAsync(GatewayEndpoint gateway)
    {
        using var ring = await gateway.GetJsonAsync("/ring");
        return ring.RootElement.GetProperty("message").GetProperty("version").GetInt64();
    }

    /// <summary>Kills the process with SIGKILL and waits until it is gone.</summary>
    public static async Task KillAsync(int pid)
    {
        using var process = Process.GetProcessById(pid);
        process.Kill();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The end of the silo's and the first gateway's output, for a failing test's output.</summary>
    public static string ControlPlaneLog(LoadBalancerCluster cluster) =>
        $"--- silo (last lines) ---\n{Tail(cluster.Silo.Output, 150)}\n--- gateway (last lines) ---\n{Tail(cluster.Gateway.Process.Output, 40)}";

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));
}
