using System.Globalization;

namespace Orleans.LoadBalancer.Analysis;

/// <summary>The tool's command line.</summary>
public sealed record AnalysisOptions(
    Uri Url,
    string Output,
    int Requests,
    int Concurrency,
    string? Key,
    string? Victim,
    bool KeepReplicas)
{
    public const string Usage = """
        dotnet run -c Release --project tests/Analysis -- [options]

          --url <base>         the gateway (default http://127.0.0.1:5000)
          --out <folder>       where report.md and the charts go (default docs/analysis)
          --requests <n>       requests per measurement (default 10000)
          --concurrency <n>    requests in flight at once (default 32)
          --key <api key>      sent as 'Authorization: Bearer <key>' on /add, /rm and PUT /ring/algorithm
          --victim <name>      the replica A-3 kills (default: the last one /rep lists)
          --keep-replicas      never remove the replicas the cluster started with (N below their count is skipped)
        """;

    public static AnalysisOptions Parse(IReadOnlyList<string> args)
    {
        var url = new Uri("http://127.0.0.1:5000");
        var output = "docs/analysis";
        var requests = 10_000;
        var concurrency = 32;
        string? key = null, victim = null;
        var keepReplicas = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--url": url = new Uri(Value(args, ref i), UriKind.Absolute); break;
                case "--out": output = Value(args, ref i); break;
                case "--requests": requests = Positive(args, ref i); break;
                case "--concurrency": concurrency = Positive(args, ref i); break;
                case "--key": key = Value(args, ref i); break;
                case "--victim": victim = Value(args, ref i); break;
                case "--keep-replicas": keepReplicas = true; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'");
            }
        }

        return new AnalysisOptions(url, output, requests, concurrency, key, victim, keepReplicas);
    }

    /// <summary>The command that produced a report, for its header; the key itself is never written.</summary>
    public string CommandLine()
    {
        var line = $"dotnet run -c Release --project tests/Analysis -- --url {Url.GetLeftPart(UriPartial.Authority)} --out {Output}"
            + string.Create(CultureInfo.InvariantCulture, $" --requests {Requests} --concurrency {Concurrency}");
        return line + (Key is null ? "" : " --key <key>") + (Victim is null ? "" : $" --victim {Victim}") + (KeepReplicas ? " --keep-replicas" : "");
    }

    private static string Value(IReadOnlyList<string> args, ref int i) =>
        ++i < args.Count ? args[i] : throw new ArgumentException($"Option '{args[i - 1]}' needs a value");

    private static int Positive(IReadOnlyList<string> args, ref int i)
    {
        var text = Value(args, ref i);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"Option '{args[i - 1]}' needs a positive integer, not '{text}'");
    }
}
