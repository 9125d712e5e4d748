using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// Runs replicas as child processes of the silo on free loopback ports. Children exit with the silo: they are
/// killed on shutdown, and each one also watches the silo's process id, so a crashed silo leaves no orphans.
/// </summary>
public sealed class LocalProcessReplicaRuntime(IOptions<ProcessReplicaOptions> options, ILogger<LocalProcessReplicaRuntime> logger)
    : IReplicaRuntime, IDisposable
{
    private readonly ProcessReplicaOptions _options = options.Value;
    private readonly ConcurrentDictionary<int, (string Name, string Address, Process Process)> _children = new();

    public string Kind => "process";

    public Task<ReplicaInstance> StartAsync(string name, CancellationToken cancellationToken)
    {
        var command = _options.ResolveCommand();
        if (!File.Exists(command))
        {
            throw new ReplicaStartException($"Could not start replica '{name}': the replica program '{command}' does not exist");
        }

        var port = FreePort();
        var address = $"http://{_options.Host}:{port}";
        var isDll = command.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(isDll ? DotnetHost() : command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (isDll)
        {
            start.ArgumentList.Add(command);
        }

        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address);
        start.Environment["SERVER_ID"] = name;
        start.Environment["EXIT_WITH_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("PORT");

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ReplicaStartException($"Could not start replica '{name}'");
        }
        catch (Exception ex) when (ex is not ReplicaStartException)
        {
            throw new ReplicaStartException($"Could not start replica '{name}': {ex.Message}", ex);
        }

        process.OutputDataReceived += (_, e) => Log(name, e.Data);
        process.ErrorDataReceived += (_, e) => Log(name, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _children[process.Id] = (name, address, process);
        logger.LogInformation("Started replica {Replica} as process {ProcessId} on {Address}", name, process.Id, address);
        return Task.FromResult(new ReplicaInstance(name, address, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    public async Task StopAsync(ReplicaInstance instance, CancellationToken cancellationToken)
    {
        if (!int.TryParse(instance.RuntimeId, out var pid) || !_children.TryRemove(pid, out var child))
        {
            return;
        }

        try
        {
            if (!child.Process.HasExited)
            {
                child.Process.Kill(entireProcessTree: true);
                await child.Process.WaitForExitAsync(cancellationToken);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            child.Process.Dispose();
        }

        logger.LogInformation("Stopped replica {Replica} (process {ProcessId})", instance.Name, pid);
    }

    public Task<IReadOnlyList<ReplicaInstance>> ListAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ReplicaInstance> list = _children
            .Select(c => new ReplicaInstance(
                c.Value.Name,
                c.Value.Process.HasExited ? "" : c.Value.Address,
                c.Key.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        return Task.FromResult(list);
    }

    public void Dispose()
    {
        foreach (var (_, child) in _children)
        {
            try
            {
                child.Process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            child.Process.Dispose();
        }

        _children.Clear();
    }

    private void Log(string name, string? line)
    {
        if (!string.IsNullOrEmpty(line))
        {
            logger.LogDebug("[{Replica}] {Line}", name, line);
        }
    }

    private static string DotnetHost() => Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet"
        ? path
        : "dotnet";

    private int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Parse(_options.Host), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
