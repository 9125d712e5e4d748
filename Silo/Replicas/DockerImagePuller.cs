using Docker.DotNet;
using Docker.DotNet.Models;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// Makes sure the replica image is on the engine before a container is made from it, as <c>Replicas:Docker:PullPolicy</c>
/// says. Starts that need it at the same time share one check and one pull, so that adding ten replicas pulls once.
/// </summary>
internal sealed class DockerImagePuller(DockerClient client, DockerReplicaOptions options, ILogger logger)
{
    private readonly Lock _lock = new();
    private Task? _pending;

    /// <summary>Returns once the image is there; throws <see cref="DockerImageException"/> saying why it is not.</summary>
    public Task EnsureAsync(CancellationToken cancellationToken)
    {
        Task pending;
        lock (_lock)
        {
            // A check that failed, or (under Always) a pull that finished, is not reused: the next start tries again.
            if (_pending is null || _pending.IsCompleted)
            {
                _pending = Task.Run(EnsureNowAsync, CancellationToken.None);
            }

            pending = _pending;
        }

        // One caller giving up does not cancel the pull the others wait for.
        return pending.WaitAsync(cancellationToken);
    }

    private async Task EnsureNowAsync()
    {
        if (options.PullPolicy != DockerPullPolicy.Always && await IsPresentAsync())
        {
            return;
        }

        if (options.PullPolicy == DockerPullPolicy.Never)
        {
            throw new DockerImageException(
                $"the image is not on the Docker engine, and {DockerReplicaOptions.Section}:{nameof(DockerReplicaOptions.PullPolicy)} is Never");
        }

        await PullAsync();
        if (!await IsPresentAsync())
        {
            throw new DockerImageException($"pulling the image ({PolicySetting}) reported no error, yet the engine does not have it");
        }
    }

    private string PolicySetting => $"{DockerReplicaOptions.Section}:{nameof(DockerReplicaOptions.PullPolicy)} is {options.PullPolicy}";

    private async Task<bool> IsPresentAsync()
    {
        try
        {
            await client.Images.InspectImageAsync(options.Image, CancellationToken.None);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }

    private async Task PullAsync()
    {
        logger.LogInformation("Pulling image {Image} ({PullPolicy})", options.Image, PolicySetting);
        var (repository, tag) = Reference(options.Image);
        var errors = new FirstError();
        try
        {
            await client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = repository, Tag = tag }, new AuthConfig(), errors, CancellationToken.None);
        }
        catch (DockerApiException ex)
        {
            throw new DockerImageException($"pulling the image failed ({PolicySetting}): {DockerReplicaRuntime.DockerMessage(ex)}", ex);
        }

        // The engine answers 200 and reports a failure later in the stream of progress messages.
        if (errors.Message is { } error)
        {
            throw new DockerImageException($"pulling the image failed ({PolicySetting}): {error}");
        }

        logger.LogInformation("Pulled image {Image}", options.Image);
    }

    /// <summary>"registry:5000/team/app:1.2" is ("registry:5000/team/app", "1.2"); a digest stays whole; no tag is "latest".</summary>
    internal static (string Repository, string Tag) Reference(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            return (image[..at], image[(at + 1)..]);
        }

        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    /// <summary>Keeps the first error of the pull's progress messages, as they arrive (not posted later, as <see cref="Progress{T}"/> would).</summary>
    private sealed class FirstError : IProgress<JSONMessage>
    {
        public string? Message { get; private set; }

        public void Report(JSONMessage value)
        {
            var error = value.Error?.Message;
            if (Message is null && !string.IsNullOrWhiteSpace(error))
            {
                Message = error.Trim();
            }
        }
    }
}
