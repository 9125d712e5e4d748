using System.Collections.Concurrent;
using System.Diagnostics;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A real program run by a test: its output is kept for diagnostics (and written to a file of its own under
/// <c>ORLEANS_LB_TEST_LOGS</c> when that is set, as <c>tests/run.sh</c> does), and it is killed on dispose.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private static readonly string? LogDirectory = Environment.GetEnvironmentVariable("ORLEANS_LB_TEST_LOGS");

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly StreamWriter? _log;

    private ManagedProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        if (!string.IsNullOrEmpty(LogDirectory))
        {
            Directory.CreateDirectory(LogDirectory);
            var file = Path.Combine(LogDirectory, $"{DateTime.UtcNow:HHmmss.fff}-{string.Concat(name.Split(Path.GetInvalidFileNameChars()))}-{process.Id}.log");
            _log = new StreamWriter(file) { AutoFlush = true };
        }

        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output => string.Join('\n', _output);

    /// <summary>Runs <c>dotnet <paramref name="dll"/></c> with <paramref name="environment"/> on top of this process's.</summary>
    public static ManagedProcess StartDotnet(string name, string dll, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        StartDotnet(name, dll, environment, launcher: [], arguments);

    /// <summary>
    /// Runs <c>dotnet <paramref name="dll"/></c> through <paramref name="launcher"/>, a program that runs its arguments
    /// in its own place (<c>nohup</c>, say): the process is the one it becomes.
    /// </summary>
    public static ManagedProcess StartDotnet(string name, string dll, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> launcher, params string[] arguments)
    {
        var command = launcher.Append("dotnet").ToList();
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var word in command.Skip(1))
        {
            start.ArgumentList.Add(word);
        }

        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new ManagedProcess(name, Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}"));
    }

    /// <summary>Runs any program as described by <paramref name="start"/> (its output is redirected and kept).</summary>
    public static ManagedProcess Start(string name, ProcessStartInfo start)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        return new ManagedProcess(name, Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}"));
    }

    /// <summary>Waits for the program to end by itself; its exit code, or null when it still runs after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            return _process.ExitCode;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Ends it at once, as <c>kill -9</c> would.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (TimeoutException)
        {
        }

        _process.Dispose();
        lock (_output)
        {
            _log?.Dispose();
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        lock (_output)
        {
            try
            {
                _log?.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        while (_output.Count > 2000)
        {
            _output.TryDequeue(out _);
        }
    }
}
