using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// The user-defined bridge network the replicas join (<c>Replicas:Docker:Network</c>), created when missing.
/// </summary>
/// <remarks>
/// Silos that share an engine may create it at the same moment. Engines from API 1.44 refuse the second network of a
/// name; older ones (Docker 20.10, say) keep both unless the client asks them not to, which this client cannot ask.
/// So a silo that finds an older network of the same name next to the one it has just made removes its own.
/// </remarks>
internal sealed class DockerNetwork(DockerClient client, DockerReplicaOptions options, ILogger logger) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private volatile bool _ready;

    /// <summary>Makes the next <see cref="EnsureAsync"/> look again: the network was removed behind our back.</summary>
    public void Forget() => _ready = false;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_ready)
            {
                return;
            }

            if ((await ListAsync(cancellationToken)).Count == 0)
            {
                await CreateAsync(cancellationToken);
            }

            _ready = true;
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Dispose() => _lock.Dispose();

    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        string id;
        try
        {
            id = (await client.Networks.CreateNetworkAsync(new NetworksCreateParameters
            {
                Name = options.Network,
                Driver = "bridge",
                Labels = new Dictionary<string, string> { [DockerReplicaRuntime.ClusterLabel] = options.ClusterId },
            }, cancellationToken)).ID;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Another silo on this engine created it meanwhile.
            return;
        }

        var first = (await ListAsync(CancellationToken.None))
            .OrderBy(n => n.Created)
            .ThenBy(n => n.ID, StringComparer.Ordinal)
            .FirstOrDefault();
        if (first is not null && first.ID != id)
        {
            try
            {
                await client.Networks.DeleteNetworkAsync(id, CancellationToken.None);
            }
            catch (DockerNetworkNotFoundException)
            {
            }

            return;
        }

        logger.LogInformation("Created Docker network {Network}", options.Network);
    }

    /// <summary>The networks of exactly this name (the engine's filter also matches names that contain it).</summary>
    private async Task<List<NetworkResponse>> ListAsync(CancellationToken cancellationToken)
    {
        var networks = await client.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [options.Network] = true } },
        }, cancellationToken);
        return [.. networks.Where(n => n.Name == options.Network)];
    }
}
