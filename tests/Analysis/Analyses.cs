using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>The seed's analysis A-1…A-4 against a running gateway; every figure in the report comes from this run.</summary>
public sealed class Analyses(GatewayClient gateway, string output, int requests, ProgressContext progress)
{
    private static readonly string[] Algorithms = ["classic", "ring", "maglev", "slots"];
    private static readonly int[] ReplicaCounts = [2, 3, 4, 5, 6];

    private readonly StringBuilder _report = new();

    public string Report => _report.ToString();

    public async Task RunAsync()
    {
        _report.AppendLine("# Load balancer analysis (A-1 … A-4)").AppendLine();
        _report.AppendLine(CultureInfo.InvariantCulture, $"Run against `{gateway.Http.BaseAddress}` on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {requests:N0} requests per measurement, random 6-digit request ids (`X-Request-Id`). Regenerate with `dotnet run -c Release --project tests/Analysis -- --url {gateway.Http.BaseAddress}` against a running gateway (`deploy/run-local.sh`).").AppendLine();
        var a4 = new Dictionary<string, (Dictionary<string, int> A1, List<LoadStats> A2, List<(int N, double Moved)> Moved)>();
        foreach (var algorithm in Algorithms)
        {
            await gateway.SetAlgorithmAsync(algorithm);
            var a1 = await A1Async(algorithm);
            var a2 = await A2Async(algorithm);
            var moved = await MovedAsync(algorithm);
            a4[algorithm] = (a1, a2, moved);
        }

        await gateway.SetAlgorithmAsync("slots");
        await gateway.ResizeAsync(3);
        WriteA1(a4["slots"].A1, a4["classic"].A1);
        WriteA2(a4["slots"].A2);
        await A3Async();
        WriteA4(a4);
    }

    private async Task<Dictionary<string, int>> A1Async(string algorithm)
    {
        await gateway.ResizeAsync(3);
        var result = await LoadAsync($"A-1 {algorithm}: {requests:N0} requests on N = 3", GatewayClient.RandomIds(requests, 1));
        var perReplica = result.PerReplica();
        Charts.Bars(Path.Combine(output, $"a1-{algorithm}.png"), $"A-1 ({algorithm}): {requests:N0} requests on 3 replicas",
            perReplica.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, (double)p.Value)).ToList(), "requests");
        return perReplica;
    }

    private async Task<List<LoadStats>> A2Async(string algorithm)
    {
        var rows = new List<LoadStats>();
        foreach (var n in ReplicaCounts)
        {
            await gateway.ResizeAsync(n);
            var result = await LoadAsync($"A-2 {algorithm}: N = {n}", GatewayClient.RandomIds(requests, n));
            rows.Add(LoadStats.Of(n, result.PerReplica(), result.Failures));
        }

        Charts.LoadByN(Path.Combine(output, $"a2-{algorithm}.png"), $"A-2 ({algorithm}): load per replica, {requests:N0} requests", rows);
        return rows;
    }

    /// <summary>Keys that change replica when one replica is added to N, as a fraction of all keys.</summary>
    private async Task<List<(int N, double Moved)>> MovedAsync(string algorithm)
    {
        var keys = GatewayClient.RandomIds(Math.Min(requests, 4000), 99);
        var rows = new List<(int, double)>();
        foreach (var n in ReplicaCounts)
        {
            await gateway.ResizeAsync(n);
            var before = await LoadAsync($"A-4 {algorithm}: keys on N = {n}", keys);
            await gateway.ResizeAsync(n + 1);
            var after = await LoadAsync($"A-4 {algorithm}: keys on N = {n + 1}", keys);
            var moved = Enumerable.Range(0, keys.Length).Count(i => before.Routes[i] != after.Routes[i]);
            rows.Add((n, moved / (double)keys.Length));
        }

        return rows;
    }

    private async Task A3Async()
    {
        _report.AppendLine("## A-3: every endpoint, then a replica killed under load").AppendLine();
        _report.AppendLine("| request | expected | got | |").AppendLine("| --- | --- | --- | --- |");
        var checks = new (HttpMethod Method, string Path, string? Body, int Expected)[]
        {
            (HttpMethod.Get, "/rep", null, 200),
            (HttpMethod.Get, "/home", null, 200),
            (HttpMethod.Get, "/heartbeat", null, 200),
            (HttpMethod.Get, "/other", null, 400),
            (HttpMethod.Post, "/add", """{"n": 1, "hostnames": ["a3-extra"]}""", 200),
            (HttpMethod.Post, "/add", """{"n": 1, "hostnames": ["a", "b"]}""", 400),
            (HttpMethod.Post, "/add", """{"n": "x"}""", 400),
            (HttpMethod.Delete, "/rm", """{"n": 1, "hostnames": ["a3-extra"]}""", 200),
            (HttpMethod.Delete, "/rm", """{"n": 1, "hostnames": ["nope"]}""", 400),
            (HttpMethod.Get, "/replicas", null, 200),
            (HttpMethod.Get, "/ring", null, 200),
        };
        foreach (var (method, path, body, expected) in checks)
        {
            var (status, text) = await gateway.SendAsync(method, path, body);
            var shown = text.Length > 90 ? text[..90] + "…" : text;
            _report.AppendLine(CultureInfo.InvariantCulture, $"| `{method} {path}` {(body is null ? "" : $"`{body}`")} | {expected} | {status} `{shown.Replace("|", "\\|", StringComparison.Ordinal)}` | {(status == expected ? "ok" : "**unexpected**")} |");
        }

        // Kill a replica process under load and time detection (marked down) and recovery (serving at a new address).
        var (name, address, pid) = await ReplicaAsync(1);
        var keys = GatewayClient.RandomIds(requests * 2, 7);
        var load = LoadAsync($"A-3: {keys.Length:N0} requests, killing {name}", keys);
        await Task.Delay(300);
        var clock = Stopwatch.StartNew();
        Process.GetProcessById(pid).Kill();
        TimeSpan? detected = null, recovered = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(30) && recovered is null)
        {
            using var ring = JsonDocument.Parse(await gateway.Http.GetStringAsync("/ring"));
            var up = ring.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray()
                .Single(r => r.GetProperty("name").GetString() == name).GetProperty("up").GetBoolean();
            detected ??= up ? null : clock.Elapsed;
            if (up && (await ReplicaAsync(1)).Address != address)
            {
                recovered = clock.Elapsed;
            }

            await Task.Delay(20);
        }

        var result = await load;
        _report.AppendLine();
        _report.AppendLine(CultureInfo.InvariantCulture, $"Killed `{name}` (process {pid}) during {keys.Length:N0} requests with 64 concurrent clients: marked down after {(detected is null && recovered is not null ? "less than the polling interval (not seen down)" : Ms(detected))}, replaced and serving after {Ms(recovered)}; **{result.Failures} failed requests**.").AppendLine();
    }

    private void WriteA1(Dictionary<string, int> slots, Dictionary<string, int> classic)
    {
        _report.AppendLine("## A-1: 10,000 requests on three replicas").AppendLine();
        _report.AppendLine("| replica | slots (default) | classic (the assignment's ring) |").AppendLine("| --- | ---: | ---: |");
        foreach (var replica in slots.Keys.Union(classic.Keys).Order(StringComparer.Ordinal))
        {
            _report.AppendLine(CultureInfo.InvariantCulture, $"| {replica} | {slots.GetValueOrDefault(replica)} | {classic.GetValueOrDefault(replica)} |");
        }

        _report.AppendLine().AppendLine("![A-1 slots](a1-slots.png)").AppendLine().AppendLine("![A-1 classic](a1-classic.png)").AppendLine();
    }

    private void WriteA2(List<LoadStats> rows)
    {
        _report.AppendLine("## A-2: load per replica for N = 2 … 6 (slots)").AppendLine();
        _report.AppendLine("| N | mean | min | max | std dev | max / mean |").AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in rows)
        {
            _report.AppendLine(CultureInfo.InvariantCulture, $"| {r.Replicas} | {r.Mean:0} | {r.Min:0} | {r.Max:0} | {r.StdDev:0.0} | {r.MaxOverMean:0.000} |");
        }

        _report.AppendLine().AppendLine("![A-2 slots](a2-slots.png)").AppendLine();
    }

    private void WriteA4(Dictionary<string, (Dictionary<string, int> A1, List<LoadStats> A2, List<(int N, double Moved)> Moved)> results)
    {
        _report.AppendLine("## A-4: the four algorithms").AppendLine();
        _report.AppendLine("Balance: max / mean requests per replica (1.00 is perfect; 10,000 samples add about 0.02–0.03 of noise).").AppendLine();
        _report.AppendLine("| algorithm | " + string.Join(" | ", ReplicaCounts.Select(n => $"N = {n}")) + " |");
        _report.AppendLine("| --- |" + string.Concat(ReplicaCounts.Select(_ => " ---: |")));
        foreach (var (algorithm, r) in results)
        {
            _report.AppendLine(CultureInfo.InvariantCulture, $"| {algorithm} | {string.Join(" | ", r.A2.Select(s => s.MaxOverMean.ToString("0.000", CultureInfo.InvariantCulture)))} |");
        }

        _report.AppendLine().AppendLine("Keys moved when one replica is added to N (the ideal is 1/(N+1)):").AppendLine();
        _report.AppendLine("| algorithm | " + string.Join(" | ", ReplicaCounts.Select(n => $"{n} → {n + 1}")) + " |");
        _report.AppendLine("| --- |" + string.Concat(ReplicaCounts.Select(_ => " ---: |")));
        _report.AppendLine("| ideal | " + string.Join(" | ", ReplicaCounts.Select(n => (1.0 / (n + 1)).ToString("0.000", CultureInfo.InvariantCulture))) + " |");
        foreach (var (algorithm, r) in results)
        {
            _report.AppendLine(CultureInfo.InvariantCulture, $"| {algorithm} | {string.Join(" | ", r.Moved.Select(m => m.Moved.ToString("0.000", CultureInfo.InvariantCulture)))} |");
        }

        Charts.Lines(Path.Combine(output, "a4-balance.png"), "A-4: max / mean requests per replica", "max / mean",
            results.ToDictionary(r => r.Key, r => (IReadOnlyList<(int, double)>)r.Value.A2.Select(s => (s.Replicas, s.MaxOverMean)).ToList()));
        var moved = results.ToDictionary(r => r.Key, r => (IReadOnlyList<(int, double)>)r.Value.Moved.Select(m => (m.N, m.Moved)).ToList());
        moved["ideal 1/(N+1)"] = ReplicaCounts.Select(n => (n, 1.0 / (n + 1))).ToList();
        Charts.Lines(Path.Combine(output, "a4-moved.png"), "A-4: keys moved when adding one replica", "fraction of keys moved", moved);
        _report.AppendLine().AppendLine("![A-4 balance](a4-balance.png)").AppendLine().AppendLine("![A-4 keys moved](a4-moved.png)").AppendLine();
        foreach (var algorithm in results.Keys)
        {
            _report.AppendLine(CultureInfo.InvariantCulture, $"- {algorithm}: [A-1](a1-{algorithm}.png), [A-2](a2-{algorithm}.png)");
        }
    }

    private async Task<LoadResult> LoadAsync(string description, IReadOnlyList<string> keys)
    {
        var task = progress.AddTask(description, maxValue: keys.Count);
        var result = await gateway.LoadAsync(keys, concurrency: 64, progress: n => task.Increment(n));
        task.StopTask();
        return result;
    }

    private async Task<(string Name, string Address, int Pid)> ReplicaAsync(int index)
    {
        using var replicas = JsonDocument.Parse(await gateway.Http.GetStringAsync("/replicas"));
        var replica = replicas.RootElement.GetProperty("message").GetProperty("replicas")[index];
        return (replica.GetProperty("name").GetString()!, replica.GetProperty("address").GetString()!,
            int.Parse(replica.GetProperty("runtimeId").GetString()!, CultureInfo.InvariantCulture));
    }

    private static string Ms(TimeSpan? time) => time is { } t ? $"{t.TotalMilliseconds:0} ms" : "(not within 30 s)";
}
