using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Ring;
using Orleans.Runtime;

namespace Orleans.LoadBalancer.Grains.Hosts;

/// <summary>
/// The manager's runtime when every silo is a host (<see cref="PlacementOptions.Spread"/>): places each start by
/// <see cref="ReplicaPlacement"/> on an active silo and has that silo's <see cref="IReplicaHostGrain"/> run it. A stop
/// for a host that is no longer active is not sent: that host's silo is gone or declared dead, and its replicas end with it
/// (see <c>docs/hosts.md</c>, fencing).
/// </summary>
public sealed class ClusterReplicaRuntime(
    IGrainFactory grains,
    IClusterMembershipService membership,
    HostReplicaRuntime local,
    IOptions<PlacementOptions> options,
    ILogger<ClusterReplicaRuntime> logger) : IReplicaRuntime
{
    /// <summary>The host of every replica this runtime started or listed, until it is stopped: the ring learns it only later.</summary>
    private readonly ConcurrentDictionary<string, string> _placed = new(StringComparer.Ordinal);

    public string Kind => local.Runtime.Kind;

    public string NameKey(string name) => local.Runtime.NameKey(name);

    /// <summary>The active silos by host name (a restarted silo's newest address when two share a name).</summary>
    public IReadOnlyDictionary<string, SiloAddress> ActiveHosts() => membership.CurrentSnapshot.Members.Values
        .Where(m => m.Status == SiloStatus.Active)
        .GroupBy(m => m.Name, StringComparer.OrdinalIgnoreCase)
        .ToDictionary(g => g.Key, g => g.MaxBy(m => m.SiloAddress.Generation)!.SiloAddress, StringComparer.OrdinalIgnoreCase);

    public async Task<ReplicaInstance> StartAsync(string name, long ordinal, CancellationToken cancellationToken)
    {
        var hosts = ActiveHosts();
        var ring = await grains.GetGrain<IRingGrain>(RingKeys.Default).GetState();
        var previous = ring.Replicas.FirstOrDefault(r => r.Name == name)?.Host is { Length: > 0 } was ? was : null;
        var where = ring.Replicas.Where(r => r.Host.Length > 0).ToDictionary(r => r.Name, r => r.Host, StringComparer.Ordinal);
        foreach (var (replica, host) in _placed)
        {
            where[replica] = host;
        }

        where.Remove(name);
        var load = where.Values.GroupBy(h => h, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        var (chosen, reason) = ReplicaPlacement.Choose(hosts.Keys, load, name, previous, options.Value);
        if (chosen is null)
        {
            throw new ReplicaStartException($"Could not start replica '{name}': {reason}");
        }

        _placed[name] = chosen;
        try
        {
            var instance = await Host(hosts[chosen]).Start(name, ordinal).WaitAsync(options.Value.HostCallTimeout + TimeSpan.FromSeconds(10), cancellationToken);
            logger.LogInformation("Placed replica {Replica} on host {Host} ({Address})", name, chosen, instance.Address);
            return instance;
        }
        catch (Exception ex)
        {
            _placed.TryRemove(new KeyValuePair<string, string>(name, chosen));
            throw ex as ReplicaStartException ?? new ReplicaStartException($"Could not start replica '{name}' on host '{chosen}': {ex.Message}", ex);
        }
    }

    public Task StopAsync(ReplicaInstance instance, CancellationToken cancellationToken) =>
        StopOnHostAsync(instance, host => host.Stop(instance), TimeSpan.Zero, cancellationToken, local => local.StopAsync(instance, cancellationToken));

    public Task StopAsync(ReplicaInstance instance, TimeSpan grace, CancellationToken cancellationToken) =>
        StopOnHostAsync(instance, host => host.StopWithGrace(instance, grace), grace, cancellationToken, local => local.StopAsync(instance, grace, cancellationToken));

    private async Task StopOnHostAsync(
        ReplicaInstance instance, Func<IReplicaHostGrain, Task> stop, TimeSpan grace, CancellationToken cancellationToken, Func<IReplicaRuntime, Task> stopLocally)
    {
        ArgumentNullException.ThrowIfNull(instance);
        _placed.TryRemove(new KeyValuePair<string, string>(instance.Name, instance.Host));
        if (instance.Host.Length == 0)
        {
            await stopLocally(local.Runtime);
            return;
        }

        if (!ActiveHosts().TryGetValue(instance.Host, out var silo))
        {
            logger.LogInformation("Not stopping replica {Replica} on host {Host}: the host is not active; its silo ends its replicas", instance.Name, instance.Host);
            return;
        }

        try
        {
            await stop(Host(silo)).WaitAsync(options.Value.HostCallTimeout + grace, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Unreachable now (cut off, or dying): membership will declare it dead, and its silo ends its replicas.
            logger.LogWarning("Host {Host} did not confirm stopping replica {Replica} within {Timeout}", instance.Host, instance.Name, options.Value.HostCallTimeout + grace);
        }
    }

    /// <summary>What every active host runs; throws when one does not answer (its replicas are unknown, not missing).</summary>
    public async Task<IReadOnlyList<ReplicaInstance>> ListAsync(CancellationToken cancellationToken)
    {
        var lists = await Task.WhenAll(ActiveHosts().Select(async host =>
        {
            try
            {
                return await Host(host.Value).List().WaitAsync(options.Value.HostCallTimeout, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"Host '{host.Key}' did not list its replicas: {ex.Message}", ex);
            }
        }));
        var all = lists.SelectMany(l => l).ToList();
        foreach (var instance in all.Where(i => i.Address.Length > 0))
        {
            _placed.TryAdd(instance.Name, instance.Host);
        }

        return all;
    }

    public async Task<string?> DescribeExitAsync(ReplicaInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!ActiveHosts().TryGetValue(instance.Host, out var silo))
        {
            return instance.Host.Length == 0 ? await local.Runtime.DescribeExitAsync(instance, cancellationToken) : null;
        }

        try
        {
            return await Host(silo).DescribeExit(instance).WaitAsync(options.Value.HostCallTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private IReplicaHostGrain Host(SiloAddress silo) => grains.GetGrain<IReplicaHostGrain>(silo.ToParsableString());
}
