using System.Net;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// Runs replicas as Docker containers on a user-defined bridge network, labelled as this cluster's so that a silo can
/// find, adopt or remove them after a restart. Docker never restarts them: the ReplicaManagerGrain decides.
/// </summary>
public sealed partial class DockerReplicaRuntime : IReplicaRuntime, IDisposable
{
    public const string ClusterLabel = "orleans-lb.cluster";
    public const string ReplicaLabel = "orleans-lb.replica";

    private readonly DockerReplicaOptions _options;
    private readonly ILogger<DockerReplicaRuntime> _logger;
    private readonly DockerClient _client;
    private readonly SemaphoreSlim _networkLock = new(1, 1);
    private bool _networkReady;

    public DockerReplicaRuntime(IOptions<DockerReplicaOptions> options, ILogger<DockerReplicaRuntime> logger)
    {
        _options = options.Value;
        if (string.IsNullOrWhiteSpace(_options.ClusterId))
        {
            throw new ArgumentException("Replicas:Docker:ClusterId is empty: it marks this cluster's containers.", nameof(options));
        }

        _logger = logger;
        _client = new DockerClientConfiguration(new Uri(_options.ResolveEndpoint())).CreateClient();
    }

    public string Kind => "docker";

    private string Port => $"{_options.ContainerPort}/tcp";

    public async Task<ReplicaInstance> StartAsync(string name, CancellationToken cancellationToken)
    {
        string? id = null;
        try
        {
            await EnsureNetworkAsync(cancellationToken);
            var created = await _client.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Name = ContainerName(name),
                Image = _options.Image,
                Env = [$"SERVER_ID={name}", $"PORT={_options.ContainerPort}"],
                Labels = new Dictionary<string, string> { [ClusterLabel] = _options.ClusterId, [ReplicaLabel] = name },
                ExposedPorts = new Dictionary<string, EmptyStruct> { [Port] = default },
                HostConfig = new HostConfig
                {
                    NetworkMode = _options.Network,
                    RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No },
                    PortBindings = _options.AddressMode == DockerAddressMode.Loopback
                        ? new Dictionary<string, IList<PortBinding>> { [Port] = [new PortBinding { HostIP = "127.0.0.1", HostPort = "0" }] }
                        : null,
                },
            }, cancellationToken);
            id = created.ID;
            await _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken);
            var address = AddressOf(await _client.Containers.InspectContainerAsync(id, cancellationToken), name)
                ?? throw new ReplicaStartException($"Could not start replica '{name}': its container has no published port");
            _logger.LogInformation("Started replica {Replica} as container {ContainerId} at {Address}", name, id[..12], address);
            return new ReplicaInstance(name, address, id);
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or ReplicaStartException or TimeoutException)
        {
            if (id is not null)
            {
                await RemoveQuietlyAsync(id);
            }

            var reason = ex is DockerApiException api ? DockerMessage(api) : ex.Message;
            throw ex as ReplicaStartException
                ?? new ReplicaStartException($"Could not start replica '{name}' from image '{_options.Image}': {reason}", ex);
        }
    }

    public async Task StopAsync(ReplicaInstance instance, CancellationToken cancellationToken)
    {
        try
        {
            await _client.Containers.StopContainerAsync(
                instance.RuntimeId, new ContainerStopParameters { WaitBeforeKillSeconds = (uint)_options.StopTimeoutSeconds }, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.NotModified)
        {
        }

        await RemoveQuietlyAsync(instance.RuntimeId);
        _logger.LogInformation("Stopped replica {Replica} (container {ContainerId})", instance.Name, Short(instance.RuntimeId));
    }

    public async Task<IReadOnlyList<ReplicaInstance>> ListAsync(CancellationToken cancellationToken)
    {
        var containers = await _client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ClusterLabel}={_options.ClusterId}"] = true },
            },
        }, cancellationToken);

        var instances = new List<ReplicaInstance>();
        foreach (var container in containers)
        {
            var name = container.Labels.TryGetValue(ReplicaLabel, out var label) ? label : container.Names.FirstOrDefault()?.TrimStart('/') ?? container.ID;
            var address = "";
            if (container.State == "running")
            {
                try
                {
                    address = AddressOf(await _client.Containers.InspectContainerAsync(container.ID, cancellationToken), name) ?? "";
                }
                catch (DockerContainerNotFoundException)
                {
                    continue;
                }
            }

            instances.Add(new ReplicaInstance(name, address, container.ID));
        }

        return instances;
    }

    /// <summary>Creates the bridge network when it is missing.</summary>
    public async Task EnsureNetworkAsync(CancellationToken cancellationToken)
    {
        if (_networkReady)
        {
            return;
        }

        await _networkLock.WaitAsync(cancellationToken);
        try
        {
            var networks = await _client.Networks.ListNetworksAsync(new NetworksListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [_options.Network] = true } },
            }, cancellationToken);
            if (!networks.Any(n => n.Name == _options.Network))
            {
                await _client.Networks.CreateNetworkAsync(new NetworksCreateParameters
                {
                    Name = _options.Network,
                    Driver = "bridge",
                    Labels = new Dictionary<string, string> { [ClusterLabel] = _options.ClusterId },
                }, cancellationToken);
                _logger.LogInformation("Created Docker network {Network}", _options.Network);
            }

            _networkReady = true;
        }
        finally
        {
            _networkLock.Release();
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _networkLock.Dispose();
    }

    /// <summary>Docker names allow letters, digits, '_', '.', '-' after a first letter or digit; "Server 1" becomes "orleans-lb-&lt;cluster&gt;-Server-1".</summary>
    public string ContainerName(string replica) => $"orleans-lb-{_options.ClusterId}-{InvalidNameCharacters().Replace(replica, "-")}";

    private string? AddressOf(ContainerInspectResponse container, string name)
    {
        if (_options.AddressMode == DockerAddressMode.Network)
        {
            return $"http://{ContainerName(name)}:{_options.ContainerPort}";
        }

        return container.NetworkSettings?.Ports is { } ports && ports.TryGetValue(Port, out var bindings)
            && bindings?.FirstOrDefault(b => !string.IsNullOrEmpty(b.HostPort)) is { } binding
            ? $"http://127.0.0.1:{binding.HostPort}"
            : null;
    }

    private async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true });
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
    }

    private static string DockerMessage(DockerApiException ex)
    {
        var body = ex.ResponseBody;
        var match = MessageField().Match(body ?? "");
        return match.Success ? Regex.Unescape(match.Groups[1].Value) : $"{(int)ex.StatusCode} {body}".Trim();
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex InvalidNameCharacters();

    [GeneratedRegex("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex MessageField();
}
