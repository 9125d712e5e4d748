using System.Globalization;
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
internal sealed class LocalProcessReplicaRuntime : IReplicaRuntime, IDisposable
{
    /// <summary>Set on every replica process to its cluster id, so that an operator (or a test) can tell whose it is.</summary>
    public const string ClusterVariable = "ORLEANS_LB_CLUSTER";

    private readonly ProcessReplicaOptions _options;
    private readonly ILogger<LocalProcessReplicaRuntime> _logger;
    private readonly ProcessReplicaRegistry _registry;
    private readonly ReplicaProcessLauncher _launcher;
    private readonly WarmSpares _spares;

    public LocalProcessReplicaRuntime(
        IOptions<ProcessReplicaOptions> options,
        IOptions<ClusterSettings> cluster,
        ILogger<LocalProcessReplicaRuntime> logger)
    {
        _options = options.Value;
        _logger = logger;
        _registry = new ProcessReplicaRegistry(_options.StateDirectory, cluster.Value.ClusterId, logger);
        _launcher = new ReplicaProcessLauncher(_options, cluster.Value.ClusterId, _registry, logger);
        _spares = new WarmSpares(_options, _launcher, _registry, logger);
        _spares.StopOrphans();
    }

    public string Kind => "process";

    /// <summary>Warm spares started and waiting to be taken.</summary>
    public int SparesWaiting => _spares.Waiting().Count;

    public async Task<ReplicaInstance> StartAsync(string name, long ordinal, CancellationToken cancellationToken)
    {
        var spare = await _spares.TakeAsync(name, s => StopAsync(s, CancellationToken.None), cancellationToken);
        var instance = (spare ?? _launcher.Launch(name, spare: false)) with { Ordinal = ordinal };
        try
        {
            _registry.Register(instance);
        }
        catch (Exception ex)
        {
            // Unregistered, it would run unseen by reconciliation: it must not outlive the failed start.
            await StopAsync(instance, CancellationToken.None);
            throw new ReplicaStartException($"Could not start replica '{name}': could not register it in '{_registry.Path}': {ex.Message}", ex);
        }

        _spares.Replenish();
        return instance;
    }

    public async Task StopAsync(ReplicaInstance instance, CancellationToken cancellationToken)
    {
        if (!int.TryParse(instance.RuntimeId, CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        _registry.Unregister(pid);
        _registry.UnregisterSpare(pid);
        using var process = _launcher.Release(pid)
            ?? (ProcessIdentity.IsReplica(pid, instance.Address) ? ProcessIdentity.TryGetProcess(pid) : null);
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
            && (_launcher.IsChild(pid) || ProcessIdentity.IsReplica(pid, instance.Address))
            && !await ProcessTermination.TerminateAsync(pid, grace, cancellationToken))
        {
            _logger.LogWarning("Replica {Replica} (process {ProcessId}) did not exit within {Grace} of SIGTERM; killing it", instance.Name, pid, grace);
        }

        await StopAsync(instance, cancellationToken);
    }

    public Task<string?> DescribeExitAsync(ReplicaInstance instance, CancellationToken cancellationToken) =>
        Task.FromResult(int.TryParse(instance.RuntimeId, CultureInfo.InvariantCulture, out var pid) ? _launcher.DescribeExit(pid, instance.Name) : null);

    /// <summary>Every registered replica of this cluster; one whose process is gone (or going) has an empty address.</summary>
    public Task<IReadOnlyList<ReplicaInstance>> ListAsync(CancellationToken cancellationToken)
    {
        _spares.StopOrphans();
        var list = new List<ReplicaInstance>();
        foreach (var instance in _registry.Replicas())
        {
            // Attached, another silo process's replica (one that crashed, say) exits with it: never one to adopt.
            var alive = int.TryParse(instance.RuntimeId, CultureInfo.InvariantCulture, out var pid)
                && (_options.Detached || _launcher.IsChild(pid))
                && ProcessIdentity.IsReplica(pid, instance.Address);
            list.Add(alive ? instance : instance with { Address = "" });
        }

        return Task.FromResult<IReadOnlyList<ReplicaInstance>>(list);
    }

    /// <summary>The silo stops normally: its spares stop, and so do the replicas unless others keep using them.</summary>
    public void Dispose()
    {
        var stopReplicas = !_options.Detached || !_options.KeepOnStop;
        var spares = _spares.Waiting();
        foreach (var (pid, process) in _launcher.Children)
        {
            var spare = spares.Contains(pid.ToString(CultureInfo.InvariantCulture)) || _registry.IsSpare(pid);
            if (stopReplicas || spare)
            {
                _registry.Unregister(pid);
                _registry.UnregisterSpare(pid);
                ProcessTermination.Kill(process);
            }

            process.Dispose();
        }

        if (stopReplicas && _options.Detached && _registry.Exists)
        {
            // Adopted replicas (started by a silo that died) are this silo's too.
            foreach (var instance in ListAsync(CancellationToken.None).Result)
            {
                if (!int.TryParse(instance.RuntimeId, CultureInfo.InvariantCulture, out var pid))
                {
                    continue;
                }

                // An empty address: the registered process is gone already (or its id now belongs to another program).
                using var process = instance.Address.Length > 0 ? ProcessIdentity.TryGetProcess(pid) : null;
                if (process is not null)
                {
                    ProcessTermination.Kill(process);
                    _logger.LogInformation("Stopped replica {Replica} (process {ProcessId})", instance.Name, pid);
                }

                _registry.Unregister(pid);
            }
        }

        _launcher.Clear();
    }
}
