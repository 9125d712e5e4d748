using Orleans.LoadBalancer.Analysis;
using Spectre.Console;

// dotnet run -c Release --project tests/Analysis -- [--url http://127.0.0.1:5000] [--out docs/analysis] [--requests 10000]
var url = Option("--url", "http://127.0.0.1:5000");
var output = Path.GetFullPath(Option("--out", "docs/analysis"));
var requests = int.Parse(Option("--requests", "10000"), System.Globalization.CultureInfo.InvariantCulture);
Directory.CreateDirectory(output);

using var gateway = new GatewayClient(new Uri(url));
var report = "";
await AnsiConsole.Progress()
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .StartAsync(async progress =>
    {
        var analyses = new Analyses(gateway, output, requests, progress);
        await analyses.RunAsync();
        report = analyses.Report;
    });
await File.WriteAllTextAsync(Path.Combine(output, "report.md"), report);
AnsiConsole.MarkupLine($"Report and charts written to [green]{output}[/]");

string Option(string name, string fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}
