using System.Diagnostics;
using Orleans.LoadBalancer.Analysis;
using Spectre.Console;

AnalysisOptions options;
try
{
    if (args.Contains("--help") || args.Contains("-h"))
    {
        Console.WriteLine(AnalysisOptions.Usage);
        return 0;
    }

    options = AnalysisOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or UriFormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(AnalysisOptions.Usage);
    return 2;
}

var output = Path.GetFullPath(options.Output);
Directory.CreateDirectory(output);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Stop the load, then put the cluster back as it was.
    e.Cancel = true;
    cancel.Cancel();
};

using var gateway = new GatewayClient(options.Url, options.Key, options.Concurrency);
var started = DateTime.UtcNow;
var clock = Stopwatch.StartNew();
var baseline = await ClusterBaseline.ReadAsync(gateway, cancel.Token);
var restoreNotes = new List<string>();
IReadOnlyList<EndpointCheck> checks = [];
BalanceResults? balance = null;
WeightResults? weights = null;
FailoverResult? failover = null;
try
{
    await AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
        .StartAsync(async progress =>
        {
            checks = await new EndpointChecks(gateway, options.Key is not null).RunAsync(cancel.Token);
            balance = await new BalanceStudy(gateway, options, progress).RunAsync(baseline, cancel.Token);
            restoreNotes.AddRange(await baseline.RestoreAsync(cancel.Token));
            weights = await new WeightStudy(gateway, options, progress).RunAsync(cancel.Token);
            var victim = options.Victim ?? (await gateway.RepAsync(cancel.Token))[^1];
            failover = await new FailoverTest(gateway, options, progress).RunAsync(victim, cancel.Token);
        });
}
finally
{
    try
    {
        restoreNotes.AddRange(await baseline.RestoreAsync(CancellationToken.None));
    }
    catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
    {
        AnsiConsole.MarkupLineInterpolated($"[red]Could not put the cluster back as it was:[/] {ex.Message}");
    }

    foreach (var note in restoreNotes)
    {
        AnsiConsole.MarkupLineInterpolated($"[yellow]{note}[/]");
    }
}

var end = await gateway.RingAsync(CancellationToken.None);
var report = new Report(options, started, clock.Elapsed, baseline, checks, balance!, weights!, failover!, end, restoreNotes);
await File.WriteAllTextAsync(Path.Combine(output, "report.md"), report.Write(output));
if (failover!.NotRunBecause is { } notRun)
{
    AnsiConsole.MarkupLineInterpolated($"[red]A-3 kill not run:[/] {notRun}");
}

var failed = checks.Count(c => !c.Passed);
AnsiConsole.MarkupLineInterpolated($"Report and charts written to [green]{output}[/]; {checks.Count - failed} of {checks.Count} endpoint checks passed.");
return failed == 0 && failover.NotRunBecause is null ? 0 : 1;
