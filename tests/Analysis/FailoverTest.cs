using System.ComponentModel;
using System.Diagnostics;
using Spectre.Console;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>
/// A-3, second part: a replica killed abruptly under a steady load of a key pool; from the load's side, when the
/// gateway rerouted the victim's keys, when they came back, what failed, and what it did to latency.
/// </summary>
public sealed class FailoverTest(GatewayClient gateway, AnalysisOptions options, ProgressContext progress)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    // Load kept up after the replacement serves, so the chart and the latency after it have something to show.
    private const double TailMs = 500;

    // After the API shows the replacement, how long to wait for the load to see the victim's keys back.
    private const double KeysBackMs = 3000;

    public int PoolSize => Math.Clamp(options.Requests / 10, 50, 1000);

    public async Task<FailoverResult> RunAsync(string victimName, CancellationToken cancellationToken)
    {
        var victim = (await gateway.ReplicasAsync(cancellationToken)).FirstOrDefault(r => r.Name == victimName);
        if (victim is null)
        {
            return FailoverResult.NotRun(victimName, "", $"no replica is named `{victimName}`");
        }

        if (await ReplicaKiller.CheckAsync(victim, cancellationToken) is { } problem)
        {
            return FailoverResult.NotRun(victim.Name, victim.Runtime, $"`{victim.Name}` cannot be killed from here: {problem}");
        }

        var pool = GatewayClient.RandomIds(PoolSize, seed: 7);
        var clock = Stopwatch.StartNew();
        var load = new StreamLoad(gateway.Http, pool, options.Concurrency, clock);
        var task = progress.AddTask(Markup.Escape($"A-3: {options.Requests:N0}+ requests, killing {victim.Name}"), maxValue: options.Requests);
        var running = load.RunAsync(cancellationToken);

        // The first pass over the pool warms up and tells whose keys are whose; then a steady baseline.
        var killAfter = Math.Max(options.Requests / 4, 2 * pool.Length);
        while (load.Completed < killAfter && !running.IsCompleted)
        {
            task.Value = load.Completed;
            await Task.Delay(5, cancellationToken);
        }

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = new ApiWatcher(gateway, victim, clock);
        var watch = watcher.RunAsync(watching.Token);
        var killAt = clock.Elapsed.TotalMilliseconds;
        var victimKeys = FailoverTimeline.KeysOf(load.Samples, victim.Name, pool.Length, killAt);
        string how;
        try
        {
            how = await ReplicaKiller.KillAsync(victim, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or Win32Exception)
        {
            await StopAsync(load, running, watching, watch);
            return FailoverResult.NotRun(victim.Name, victim.Runtime, $"killing `{victim.Name}` failed: {ex.Message}");
        }

        var killMs = clock.Elapsed.TotalMilliseconds - killAt;
        while (true)
        {
            task.Value = Math.Min(load.Completed, options.Requests);
            await Task.Delay(100, cancellationToken);
            var now = clock.Elapsed.TotalMilliseconds;
            var timeline = FailoverTimeline.Compute(load.Samples, victim.Name, victimKeys, killAt, watcher);
            var enough = load.Sent >= options.Requests;
            if (now - killAt > Limit.TotalMilliseconds
                || (enough && timeline.RecoveryMs is { } back && now > killAt + back + TailMs)
                || (enough && timeline.ApiRecoveryMs is { } replaced && now > killAt + replaced + KeysBackMs))
            {
                break;
            }
        }

        await StopAsync(load, running, watching, watch);
        task.Value = task.MaxValue;
        task.StopTask();
        var samples = load.Samples;
        return new FailoverResult(
            victim.Name, victim.Runtime, null, how, killMs, pool.Length, samples, watcher.MeanIntervalMs,
            FailoverTimeline.Compute(samples, victim.Name, victimKeys, killAt, watcher));
    }

    private static async Task StopAsync(StreamLoad load, Task running, CancellationTokenSource watching, Task watch)
    {
        load.Stop();
        await running;
        await watching.CancelAsync();
        await watch;
    }
}

/// <summary>What A-3's kill showed, or why it did not run.</summary>
public sealed record FailoverResult(
    string Victim,
    string Runtime,
    string? NotRunBecause,
    string? KilledBy,
    double KillCommandMs,
    int PoolSize,
    IReadOnlyList<Sample> Samples,
    double PollIntervalMs,
    FailoverTimeline? Timeline)
{
    public static FailoverResult NotRun(string victim, string runtime, string because) =>
        new(victim, runtime, because, null, 0, 0, [], double.NaN, null);

    /// <summary>Requests that completed before the kill, without the first pass over the pool (cold connections).</summary>
    public IEnumerable<Sample> Baseline => Samples.Where(s => s.EndMs < Timeline!.KillAt).OrderBy(s => s.StartMs).Skip(PoolSize);

    /// <summary>The end of the window around the kill, on the shared clock: the replacement serving, or a second after the kill.</summary>
    public double WindowEnd => Timeline!.KillAt + (Timeline.SettledMs ?? 1000);

    /// <summary>Requests in flight at the kill or sent before the replacement served.</summary>
    public IEnumerable<Sample> AroundKill => Samples.Where(s => s.EndMs > Timeline!.KillAt && s.StartMs < WindowEnd);

    public IEnumerable<Sample> After => Samples.Where(s => s.StartMs >= WindowEnd);
}
