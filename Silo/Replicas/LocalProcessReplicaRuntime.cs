using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// Runs replicas as local processes on free loopback ports. Detached (the default), they run in their own session and
/// are registered on disk, so they outlive a silo that dies and the next silo adopts them; a normal stop stops them
/// unless <see cref="ProcessReplicaOptions.KeepOnStop"/>. Attached, they are children that watch the silo's process id
/// and exit with it, even when it is killed. Warm spares are never adopted: they exit with a normal stop, and the next
/// silo stops the spares of one that died.
/// </summary>
public sealed class LocalProcessReplicaRuntime : IReplicaRuntime, IDisposable
{
    /// <summary>Set on every replica process to its cluster id, so that an operator (or a test) can tell whose it is.</summary>
    public const string ClusterVariable = "ORLEANS_LB_CLUSTER";

    private readonly ProcessReplicaOptions _options;
    private readonly string _clusterId;
    private readonly ILogger<LocalProcessReplicaRuntime> _logger;
    private readonly string _registry;
    private readonly string _spareRegistry;
    private readonly ConcurrentDictionary<int, Process> _children = new();
    private readonly ConcurrentDictionary<int, ConcurrentQueue<string>> _output = new();
    private readonly ConcurrentQueue<ReplicaInstance> _spares = new();
    private int _sparesStarting;

    private static readonly HttpClient SpareClient = new(new SocketsHttpHandler { UseProxy = false });

    public LocalProcessReplicaRuntime(
        IOptions<ProcessReplicaOptions> options,
        IOptions<ClusterSettings> cluster,
        ILogger<LocalProcessReplicaRuntime> logger)
    {
        _options = options.Value;
        _logger = logger;
        _clusterId = cluster.Value.ClusterId;
        _registry = Path.Combine(_options.StateDirectory, _clusterId);
        _spareRegistry = Path.Combine(_registry, "spares");
        Directory.CreateDirectory(_registry);
        StopOrphanSpares();
    }

    public string Kind => "process";

    public async Task<ReplicaInstance> StartAsync(string name, long ordinal, CancellationToken cancellationToken)
    {
        var instance = (await TakeSpareAsync(name, cancellationToken) ?? Launch(name, spare: false)) with { Ordinal = ordinal };
        try
        {
            File.WriteAllText(RegistryFile(int.Parse(instance.RuntimeId, CultureInfo.InvariantCulture)), JsonSerializer.Serialize(instance));
        }
        catch (Exception ex)
        {
            // Unregistered, it would run unseen by reconciliation: it must not outlive the failed start.
            await StopAsync(instance, CancellationToken.None);
            throw new ReplicaStartException($"Could not start replica '{name}': could not register it in '{_registry}': {ex.Message}", ex);
        }

        ReplenishSpares();
        return instance;
    }

    /// <summary>Starts a replica process; a spare has no name yet and takes one later (<c>BACKEND_ASSIGNABLE</c>).</summary>
    private ReplicaInstance Launch(string name, bool spare)
    {
        var command = _options.ResolveCommand();
        if (!File.Exists(command))
        {
            throw new ReplicaStartException($"Could not start replica '{name}': the replica program '{command}' does not exist");
        }

        var address = $"http://{_options.Host}:{FreePort()}";
        var start = new ProcessStartInfo(_options.Detached ? "setsid" : Host(command))
        {
            RedirectStandardOutput = !_options.Detached,
            RedirectStandardError = !_options.Detached,
            RedirectStandardInput = _options.Detached,
            UseShellExecute = false,
        };
        if (_options.Detached)
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
        start.Environment[ClusterVariable] = _clusterId;
        if (spare)
        {
            start.Environment["BACKEND_ASSIGNABLE"] = "1";
        }
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("PORT");
        start.Environment.Remove("EXIT_WITH_PID");
        if (!_options.Detached)
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
            if (spare && _options.Detached)
            {
                Directory.CreateDirectory(_spareRegistry);
                File.WriteAllText(SpareFile(process.Id), JsonSerializer.Serialize(new SpareRegistration(Environment.ProcessId, address)));
            }

            if (!_options.Detached)
            {
                var output = _output[process.Id] = new ConcurrentQueue<string>();
                process.OutputDataReceived += (_, e) => Log(name, e.Data, output);
                process.ErrorDataReceived += (_, e) => Log(name, e.Data, output);
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
            }

            if (!spare)
            {
                BoostWhileStarting(process);
            }

            _children[process.Id] = process;
        }
        catch (Exception ex)
        {
            _output.TryRemove(process.Id, out _);
            Kill(process);
            process.Dispose();
            throw new ReplicaStartException($"Could not start replica '{name}': {ex.Message}", ex);
        }

        _logger.LogInformation("Started {Kind} {Replica} as process {ProcessId} on {Address}", spare ? "spare" : "replica", name, process.Id, address);
        return new ReplicaInstance(name, address, process.Id.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Puts a warm spare to work under <paramref name="name"/>, or returns null when none is ready.</summary>
    private async Task<ReplicaInstance?> TakeSpareAsync(string name, CancellationToken cancellationToken)
    {
        while (_spares.TryDequeue(out var spare))
        {
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(TimeSpan.FromSeconds(2));
                using var response = await SpareClient.PostAsync(spare.Address + "/admin/identity", new StringContent(name), cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    DeleteQuietly(SpareFile(int.Parse(spare.RuntimeId, CultureInfo.InvariantCulture)));
                    _logger.LogInformation("Replica {Replica} is the warm spare process {ProcessId} on {Address}", name, spare.RuntimeId, spare.Address);
                    return spare with { Name = name };
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // Not listening yet, or gone: start normally rather than wait.
            }

            await StopAsync(spare, CancellationToken.None);
        }

        return null;
    }

    /// <summary>Starts spares in the background until <see cref="ProcessReplicaOptions.WarmSpares"/> are waiting.</summary>
    private void ReplenishSpares()
    {
        while (_spares.Count + Volatile.Read(ref _sparesStarting) < _options.WarmSpares)
        {
            Interlocked.Increment(ref _sparesStarting);
            _ = Task.Run(async () =>
            {
                try
                {
                    var spare = Launch("spare", spare: true);
                    // Queued once it answers, so that taking it never waits for a process start.
                    for (var i = 0; i < 200 && !IsListening(spare.Address); i++)
                    {
                        await Task.Delay(50);
                    }

                    // One request through its pipeline, so that its first real requests do not pay for compiling it.
                    try
                    {
                        using var warm = await SpareClient.GetAsync(spare.Address + "/heartbeat");
                    }
                    catch (HttpRequestException)
                    {
                    }

                    _spares.Enqueue(spare);
                }
                catch (ReplicaStartException ex)
                {
                    _logger.LogWarning(ex, "Could not start a warm spare");
                }
                finally
                {
                    Interlocked.Decrement(ref _sparesStarting);
                }
            });
        }
    }

    private static bool IsListening(string address)
    {
        var uri = new Uri(address);
        try
        {
            using var client = new TcpClient();
            client.Connect(uri.Host, uri.Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async Task StopAsync(ReplicaInstance instance, CancellationToken cancellationToken)
    {
        if (!int.TryParse(instance.RuntimeId, CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        Unregister(pid);
        DeleteQuietly(SpareFile(pid));
        _output.TryRemove(pid, out _);
        using var process = _children.TryRemove(pid, out var child) ? child
            : IsReplica(pid, instance.Address) ? TryGetProcess(pid) : null;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(cancellationToken);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _logger.LogInformation("Stopped replica {Replica} (process {ProcessId})", instance.Name, pid);
    }

    /// <summary>SIGTERM, up to <paramref name="grace"/> for the replica to finish and exit, then <see cref="StopAsync(ReplicaInstance, CancellationToken)"/>.</summary>
    public async Task StopAsync(ReplicaInstance instance, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (grace > TimeSpan.Zero && int.TryParse(instance.RuntimeId, CultureInfo.InvariantCulture, out var pid)
            && (_children.ContainsKey(pid) || IsReplica(pid, instance.Address))
            && !await ProcessTermination.TerminateAsync(pid, grace, cancellationToken))
        {
            _logger.LogWarning("Replica {Replica} (process {ProcessId}) did not exit within {Grace} of SIGTERM; killing it", instance.Name, pid, grace);
        }

        await StopAsync(instance, cancellationToken);
    }

    public Task<string?> DescribeExitAsync(ReplicaInstance instance, CancellationToken cancellationToken)
    {
        if (!int.TryParse(instance.RuntimeId, CultureInfo.InvariantCulture, out var pid) || !_children.TryGetValue(pid, out var process))
        {
            return Task.FromResult<string?>(null);
        }

        try
        {
            if (!process.HasExited)
            {
                return Task.FromResult<string?>(null);
            }

            var output = _output.TryGetValue(pid, out var lines) && !lines.IsEmpty ? $"; last output: {string.Join(" | ", lines)}" : "";
            return Task.FromResult<string?>($"Replica '{instance.Name}' exited with code {process.ExitCode} right after it started{output}");
        }
        catch (InvalidOperationException)
        {
            return Task.FromResult<string?>(null);
        }
    }

    /// <summary>Every registered replica of this cluster; one whose process is gone (or going) has an empty address.</summary>
    public Task<IReadOnlyList<ReplicaInstance>> ListAsync(CancellationToken cancellationToken)
    {
        StopOrphanSpares();
        var list = new List<ReplicaInstance>();
        foreach (var file in Directory.EnumerateFiles(_registry, "*.json"))
        {
            ReplicaInstance? instance;
            try
            {
                instance = JsonSerializer.Deserialize<ReplicaInstance>(File.ReadAllText(file));
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                continue;
            }

            if (instance is null)
            {
                continue;
            }

            // Attached, another silo process's replica (one that crashed, say) exits with it: never one to adopt.
            var alive = int.TryParse(instance.RuntimeId, CultureInfo.InvariantCulture, out var pid)
                && (_options.Detached || _children.ContainsKey(pid))
                && IsReplica(pid, instance.Address);
            list.Add(alive ? instance : instance with { Address = "" });
        }

        return Task.FromResult<IReadOnlyList<ReplicaInstance>>(list);
    }

    /// <summary>The silo stops normally: its spares stop, and so do the replicas unless others keep using them.</summary>
    public void Dispose()
    {
        var stopReplicas = !_options.Detached || !_options.KeepOnStop;
        var spares = new HashSet<string>(_spares.Select(s => s.RuntimeId), StringComparer.Ordinal);
        foreach (var (pid, process) in _children)
        {
            var spare = spares.Contains(pid.ToString(CultureInfo.InvariantCulture)) || File.Exists(SpareFile(pid));
            if (stopReplicas || spare)
            {
                Unregister(pid);
                DeleteQuietly(SpareFile(pid));
                Kill(process);
            }

            process.Dispose();
        }

        if (stopReplicas && _options.Detached && Directory.Exists(_registry))
        {
            // Adopted replicas (started by a silo that died) are this silo's too.
            foreach (var instance in ListAsync(CancellationToken.None).Result)
            {
                if (!int.TryParse(instance.RuntimeId, CultureInfo.InvariantCulture, out var pid))
                {
                    continue;
                }

                // An empty address: the registered process is gone already (or its id now belongs to another program).
                using var process = instance.Address.Length > 0 ? TryGetProcess(pid) : null;
                if (process is not null)
                {
                    Kill(process);
                    _logger.LogInformation("Stopped replica {Replica} (process {ProcessId})", instance.Name, pid);
                }

                Unregister(pid);
            }
        }

        _children.Clear();
        _output.Clear();
    }

    /// <summary>Stops the detached spares whose silo is gone (killed): nothing else would ever stop them.</summary>
    private void StopOrphanSpares()
    {
        if (!Directory.Exists(_spareRegistry))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(_spareRegistry, "*.json"))
        {
            SpareRegistration? registration;
            try
            {
                registration = JsonSerializer.Deserialize<SpareRegistration>(File.ReadAllText(file));
            }
            catch (Exception ex) when (ex is IOException or JsonException)
            {
                continue;
            }

            if (registration is null || !int.TryParse(Path.GetFileNameWithoutExtension(file), CultureInfo.InvariantCulture, out var pid)
                || registration.Owner == Environment.ProcessId || IsSilo(registration.Owner))
            {
                continue;
            }

            if (IsReplica(pid, registration.Address) && TryGetProcess(pid) is { } process)
            {
                using (process)
                {
                    Kill(process);
                }

                _logger.LogInformation("Stopped the warm spare process {ProcessId} of silo process {Owner}, which is gone", pid, registration.Owner);
            }

            DeleteQuietly(file);
        }
    }

    private static bool IsSilo(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains("Orleans.LoadBalancer.Silo", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void DeleteQuietly(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not delete {File}", file);
        }
    }

    /// <summary>
    /// A replacement starts while the machine is busy serving the load it was missing; a higher priority for its first
    /// seconds gets it serving sooner. Needs the right to raise priority (root or CAP_SYS_NICE); otherwise a no-op.
    /// </summary>
    private void BoostWhileStarting(Process process)
    {
        if (_options.StartBoost <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            process.PriorityClass = ProcessPriorityClass.High;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return;
        }

        _ = Task.Delay(_options.StartBoost).ContinueWith(
            _ =>
            {
                try
                {
                    process.PriorityClass = ProcessPriorityClass.Normal;
                }
                catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
                {
                    // Gone meanwhile.
                }
            },
            TaskScheduler.Default);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private void Unregister(int pid)
    {
        try
        {
            File.Delete(RegistryFile(pid));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not unregister replica process {ProcessId}", pid);
        }
    }

    private string RegistryFile(int pid) => Path.Combine(_registry, $"{pid}.json");

    private string SpareFile(int pid) => Path.Combine(_spareRegistry, $"{pid}.json");

    private void Log(string name, string? line, ConcurrentQueue<string> output)
    {
        if (!string.IsNullOrEmpty(line))
        {
            _logger.LogDebug("[{Replica}] {Line}", name, line);
            output.Enqueue(line);
            while (output.Count > 5 && output.TryDequeue(out _))
            {
            }
        }
    }

    private static Process? TryGetProcess(int pid)
    {
        try
        {
            return Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The process is alive and is the replica registered (not another process that reused its id).</summary>
    private static bool IsReplica(int pid, string address)
    {
        if (address.Length == 0)
        {
            return false;
        }

        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Contains(address, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string Host(string command) => !command.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
        ? command
        : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Parse(_options.Host), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
