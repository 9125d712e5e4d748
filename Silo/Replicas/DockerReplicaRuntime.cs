using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// Runs replicas as Docker containers on a user-defined bridge network, labelled as this cluster's so that a silo can
/// find, adopt or remove them after a restart. Docker never restarts them: the ReplicaManagerGrain decides.
/// </summary>
internal sealed partial class DockerReplicaRuntime : IReplicaRuntime, IDisposable
{
    public const string ClusterLabel = "orleans-lb.cluster";
    public const string ReplicaLabel = "orleans-lb.replica";

    /// <summary>The replica's place in the order of addition, so that a lost ring can be rebuilt in that order.</summary>
    public const string OrdinalLabel = "orleans-lb.ordinal";

    private readonly DockerReplicaOptions _options;
    private readonly DockerContainerSpec _spec;
    private readonly ILogger<DockerReplicaRuntime> _logger;
    private readonly DockerClient _client;
    private readonly DockerImagePuller _images;
    private readonly DockerNetwork _network;

    public DockerReplicaRuntime(IOptions<DockerReplicaOptions> options, ILogger<DockerReplicaRuntime> logger)
    {
        _options = options.Value;
        if (string.IsNullOrWhiteSpace(_options.ClusterId))
        {
            throw new ArgumentException("Replicas:Docker:ClusterId is empty: it marks this cluster's containers.", nameof(options));
        }

        _spec = new DockerContainerSpec(_options);
        _logger = logger;
        _client = DockerClientFactory.Create(_options.ResolveEndpoint());
        _images = new DockerImagePuller(_client, _options, logger);
        _network = new DockerNetwork(_client, _options, logger);
    }

    public string Kind => "docker";

    public async Task<ReplicaInstance> StartAsync(string name, long ordinal, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            string? id = null;
            try
            {
                await _images.EnsureAsync(cancellationToken);
                await EnsureNetworkAsync(cancellationToken);
                // Not cancelled half-way: the engine may create the container after the call is abandoned, and the
                // id that comes back is what lets a cancelled start remove it.
                id = (await _client.Containers.CreateContainerAsync(_spec.Create(name, ordinal), CancellationToken.None)).ID;
                cancellationToken.ThrowIfCancellationRequested();
                await _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken);
                var container = await _client.Containers.InspectContainerAsync(id, cancellationToken);
                if (container.State is { Running: false } state)
                {
                    throw new ReplicaStartException(await ExitMessageAsync(name, id, state, cancellationToken));
                }

                var address = _spec.AddressOf(container, name)
                    ?? throw new ReplicaStartException($"Could not start replica '{name}': its container has no published port");
                _logger.LogInformation("Started replica {Replica} as container {ContainerId} at {Address}", name, Short(id), address);
                return new ReplicaInstance(name, address, id, ordinal);
            }
            catch (DockerApiException ex) when (attempt == 1 && IsNetworkMissing(ex))
            {
                // The network was removed behind our back (the flag still says it exists): create it again, once.
                _logger.LogWarning("Docker network {Network} is gone; creating it again", _options.Network);
                _network.Forget();
                await RemoveAsync(id, name);
            }
            catch (Exception ex)
            {
                await RemoveAsync(id, name);
                if (ex is OperationCanceledException or ReplicaStartException)
                {
                    throw;
                }

                var reason = ex is DockerApiException api ? DockerMessage(api) : ex.Message;
                throw new ReplicaStartException($"Could not start replica '{name}' from image '{_options.Image}': {reason}", ex);
            }
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
            var labels = container.Labels;
            var name = labels is not null && labels.TryGetValue(ReplicaLabel, out var label)
                ? label
                : container.Names?.FirstOrDefault()?.TrimStart('/') ?? container.ID;
            var address = "";
            if (container.State == "running")
            {
                try
                {
                    address = _spec.AddressOf(await _client.Containers.InspectContainerAsync(container.ID, cancellationToken), name) ?? "";
                }
                catch (DockerContainerNotFoundException)
                {
                    continue;
                }
            }

            var ordinal = labels is not null && labels.TryGetValue(OrdinalLabel, out var text)
                && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : 0;
            instances.Add(new ReplicaInstance(name, address, container.ID, ordinal));
        }

        return instances;
    }

    public async Task<string?> DescribeExitAsync(ReplicaInstance instance, CancellationToken cancellationToken)
    {
        try
        {
            var container = await _client.Containers.InspectContainerAsync(instance.RuntimeId, cancellationToken);
            return container.State is { Running: false } state ? await ExitMessageAsync(instance.Name, container.ID, state, cancellationToken) : null;
        }
        catch (DockerContainerNotFoundException)
        {
            return $"Replica '{instance.Name}': its container {Short(instance.RuntimeId)} is gone";
        }
    }

    /// <summary>The replica's part of the container name, which is also its DNS name on the network (<see cref="ReplicaNames.Slug"/>).</summary>
    public string NameKey(string name) => ReplicaNames.Slug(name);

    /// <summary>Creates the bridge network when it is missing.</summary>
    public Task EnsureNetworkAsync(CancellationToken cancellationToken) => _network.EnsureAsync(cancellationToken);

    public void Dispose()
    {
        _client.Dispose();
        _network.Dispose();
    }

    /// <summary>"exited with code N", Docker's own error if any, and the container's last lines of output.</summary>
    private async Task<string> ExitMessageAsync(string name, string id, State state, CancellationToken cancellationToken)
    {
        var message = new StringBuilder($"Replica '{name}' exited with code {state.ExitCode} right after it started");
        if (state.OOMKilled)
        {
            message.Append(" (out of memory)");
        }

        if (!string.IsNullOrWhiteSpace(state.Error))
        {
            message.Append($" ({state.Error.Trim()})");
        }

        if (await LastOutputAsync(id, cancellationToken) is { Length: > 0 } output)
        {
            message.Append($"; last output: {output}");
        }

        return message.ToString();
    }

    private async Task<string> LastOutputAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(2));
            using var stream = await _client.Containers.GetContainerLogsAsync(
                id, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = "10" }, cts.Token);
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(cts.Token);
            var lines = (stdout + "\n" + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var text = string.Join(" | ", lines.TakeLast(10));
            return text.Length <= 800 ? text : "…" + text[^800..];
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            _logger.LogDebug(ex, "Could not read the output of container {ContainerId}", Short(id));
            return "";
        }
    }

    private static bool IsNetworkMissing(DockerApiException ex) =>
        ex.StatusCode == HttpStatusCode.NotFound && DockerMessage(ex).Contains("network", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Removes what a failed start left: the container by id, or, when the create call failed in a way that leaves it
    /// unknown whether the engine made it (no id came back), the never-started container of that name with this
    /// cluster's labels.
    /// </summary>
    private async Task RemoveAsync(string? id, string name)
    {
        if (id is not null)
        {
            await RemoveQuietlyAsync(id);
            return;
        }

        try
        {
            var container = await _client.Containers.InspectContainerAsync(_spec.ContainerName(name), CancellationToken.None);
            if (container.State is { Status: "created" }
                && container.Config?.Labels is { } labels
                && labels.TryGetValue(ClusterLabel, out var cluster) && cluster == _options.ClusterId
                && labels.TryGetValue(ReplicaLabel, out var replica) && replica == name)
            {
                await RemoveQuietlyAsync(container.ID);
            }
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException)
        {
            _logger.LogWarning(ex, "Could not check for a container left by the failed start of replica {Replica}", name);
        }
    }

    private async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (Exception ex) when (ex is DockerApiException or HttpRequestException or IOException)
        {
            _logger.LogWarning(ex, "Could not remove container {ContainerId}", Short(id));
        }
    }

    internal static string DockerMessage(DockerApiException ex)
    {
        var body = ex.ResponseBody;
        var match = MessageField().Match(body ?? "");
        return match.Success ? Regex.Unescape(match.Groups[1].Value) : $"{(int)ex.StatusCode} {body}".Trim();
    }

    private static string Short(string id) => id.Length > 12 ? id[..12] : id;

    [GeneratedRegex("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex MessageField();
}
