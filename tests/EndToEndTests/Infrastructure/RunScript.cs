using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// One of the run scripts (<c>deploy/run-local.sh</c>, <c>deploy/run-cluster.sh</c>) as a user runs it, with its output
/// kept; disposing sends it SIGTERM (the scripts' normal stop) and waits for it.
/// </summary>
public sealed class RunScript : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private RunScript(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>The supervisor's own lines (restarts, hand-overs).</summary>
    public string SupervisorLog => string.Join('\n', Log.Split('\n').Where(l => l.Contains("[supervisor", StringComparison.Ordinal)));

    public static RunScript Start(string script, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "deploy", script)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The tests built the programs already.
        start.Environment["NO_BUILD"] = RepoPaths.Configuration == "Release" ? "1" : "0";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        // A ring of this run's own: the script's silos share it across their restarts, and no other run sees it.
        start.Environment["Cluster__StateDirectory"] = Directory.CreateTempSubdirectory("orleans-lb-script-state-").FullName;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new RunScript(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {script}"));
    }

    public static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Live processes of cluster <paramref name="clusterId"/> whose command line holds <paramref name="program"/> and whose environment holds every one of <paramref name="variables"/>.</summary>
    public static List<int> Programs(string clusterId, string program, params string[] variables)
    {
        string[] markers = [$"Cluster__ClusterId={clusterId}", .. variables];
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
                    && File.ReadAllText(Path.Combine(dir, "environ")).Split('\0') is var environment
                    && markers.All(m => environment.Contains(m, StringComparer.Ordinal))
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

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal("TERM", _process.Id);
            // Not WaitForExitAsync: it also waits for the end of the output, which replicas that keep running
            // (run-cluster.sh) share with the script.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!_process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            if (!_process.HasExited)
            {
                throw new TimeoutException($"The script did not stop within 60 s of SIGTERM:\n{Log}");
            }
        }

        _process.Dispose();
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
