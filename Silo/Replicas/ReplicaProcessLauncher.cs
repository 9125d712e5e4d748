using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Orleans.LoadBalancer.Grains.Replicas;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// Starts replica processes on free loopback ports, and keeps the ones this silo started (its children) with, when
/// attached, their last lines of output for the reason a replica exited right after it started.
/// </summary>
internal sealed class ReplicaProcessLauncher(ProcessReplicaOptions options, string clusterId, ProcessReplicaRegistry registry, ILogger logger)
{
    private readonly ConcurrentDictionary<int, Process> _children = new();
    private readonly ConcurrentDictionary<int, ConcurrentQueue<string>> _output = new();

    /// <summary>The processes this silo started and has not stopped, by process id.</summary>
    public IEnumerable<KeyValuePair<int, Process>> Children => _children;

    /// <summary>Starts a replica process; a spare has no name yet and takes one later (<c>BACKEND_ASSIGNABLE</c>).</summary>
    public ReplicaInstance Launch(string name, bool spare)
    {
        var command = options.ResolveCommand();
        if (!File.Exists(command))
        {
            throw new ReplicaStartException($"Could not start replica '{name}': the replica program '{command}' does not exist");
        }

        var address = $"http://{options.Host}:{FreePort()}";
        var start = new ProcessStartInfo(options.Detached ? "setsid" : Host(command))
        {
            RedirectStandardOutput = !options.Detached,
            RedirectStandardError = !options.Detached,
            RedirectStandardInput = options.Detached,
            UseShellExecute = false,
        };
        if (options.Detached)
        {
            start.ArgumentList.Add(Host(command));
        }

        if (command.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(command);
        }

        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address);
        start.Environment["SERVER_ID"] = name;
        start.Environment[LocalProcessReplicaRuntime.ClusterVariable] = clusterId;
        if (spare)
        {
            start.Environment["BACKEND_ASSIGNABLE"] = "1";
        }
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("PORT");
        start.Environment.Remove("EXIT_WITH_PID");
        if (!options.Detached)
        {
            start.Environment["EXIT_WITH_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ReplicaStartException($"Could not start replica '{name}'");
        }
        catch (Exception ex) when (ex is not ReplicaStartException)
        {
            throw new ReplicaStartException($"Could not start replica '{name}': {ex.Message}", ex);
        }

        try
        {
            if (spare && options.Detached)
            {
                registry.RegisterSpare(process.Id, new SpareRegistration(Environment.ProcessId, address));
            }

            if (!options.Detached)
            {
                var output = _output[process.Id] = new ConcurrentQueue<string>();
                process.OutputDataReceived += (_, e) => Log(name, e.Data, output);
                process.ErrorDataReceived += (_, e) => Log(name, e.Data, output);
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
            }

            if (!spare)
            {
                StartBoost.Apply(process, options.StartBoost);
            }

            _children[process.Id] = process;
        }
        catch (Exception ex)
        {
            _output.TryRemove(process.Id, out _);
            ProcessTermination.Kill(process);
            process.Dispose();
            throw new ReplicaStartException($"Could not start replica '{name}': {ex.Message}", ex);
        }

        logger.LogInformation("Started {Kind} {Replica} as process {ProcessId} on {Address}", spare ? "spare" : "replica", name, process.Id, address);
        return new ReplicaInstance(name, address, process.Id.ToString(CultureInfo.InvariantCulture));
    }

    public bool IsChild(int pid) => _children.ContainsKey(pid);

    /// <summary>Forgets the child <paramref name="pid"/> and its output; returns its process, or null when it is not a child.</summary>
    public Process? Release(int pid)
    {
        _output.TryRemove(pid, out _);
        return _children.TryRemove(pid, out var child) ? child : null;
    }

    /// <summary>Why the child <paramref name="pid"/> is gone, when it has exited; null while it runs or when it is not a child.</summary>
    public string? DescribeExit(int pid, string name)
    {
        if (!_children.TryGetValue(pid, out var process))
        {
            return null;
        }

        try
        {
            if (!process.HasExited)
            {
                return null;
            }

            var output = _output.TryGetValue(pid, out var lines) && !lines.IsEmpty ? $"; last output: {string.Join(" | ", lines)}" : "";
            return $"Replica '{name}' exited with code {process.ExitCode} right after it started{output}";
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Forgets every child, disposed of by the caller.</summary>
    public void Clear()
    {
        _children.Clear();
        _output.Clear();
    }

    private void Log(string name, string? line, ConcurrentQueue<string> output)
    {
        if (!string.IsNullOrEmpty(line))
        {
            logger.LogDebug("[{Replica}] {Line}", name, line);
            output.Enqueue(line);
            while (output.Count > 5 && output.TryDequeue(out _))
            {
            }
        }
    }

    private static string Host(string command) => !command.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
        ? command
        : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Parse(options.Host), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
