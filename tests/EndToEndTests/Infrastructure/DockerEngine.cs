using System.Formats.Tar;
using System.Globalization;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// The real dockerd the Docker tests run against (started by tests/setup.sh), and cleanup by label. Everything a test
/// creates is named after <see cref="NewClusterId"/>, which carries the test process's id, so that what an aborted run
/// left behind can be told from what a running one (in another worktree, say) still uses.
/// </summary>
public static class DockerEngine
{
    public const string Image = "orleans-lb/backend:dev";

    private const string ClusterLabel = "orleans-lb.cluster";
    private const string TestPrefix = "lbtest-";

    // What a run that died before it could clean up left, named the old way (no process id): gone after this long.
    private static readonly TimeSpan LegacyStaleAfter = TimeSpan.FromHours(1);

    private static readonly Lazy<Task> Swept = new(SweepStaleAsync);

    public static DockerClient Connect() => new DockerClientBuilder().WithEndpoint(new Uri("unix:///var/run/docker.sock")).Build();

    /// <summary>The value of <paramref name="label"/> on <paramref name="container"/>, or "" when it has none.</summary>
    public static string Label(this ContainerListResponse container, string label) =>
        container.Labels is { } labels && labels.TryGetValue(label, out var value) ? value : "";

    /// <summary>A cluster id for one test: <c>lbtest-&lt;process id&gt;-&lt;random&gt;</c>.</summary>
    public static string NewClusterId() =>
        $"{TestPrefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>
    /// Fails with a clear message when the engine or the replica image is missing; the first call in a test run also
    /// removes what earlier, aborted runs left behind.
    /// </summary>
    public static async Task RequireAsync()
    {
        using var client = Connect();
        try
        {
            await client.System.PingAsync();
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException("dockerd is not running: run tests/setup.sh", ex);
        }

        try
        {
            await client.Images.InspectImageAsync(Image);
        }
        catch (DockerImageNotFoundException ex)
        {
            throw new InvalidOperationException($"The image {Image} is missing: run deploy/build-images.sh (tests/setup.sh does)", ex);
        }

        await Swept.Value;
    }

    public static async Task<IList<ContainerListResponse>> ContainersAsync(string clusterId)
    {
        using var client = Connect();
        return await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"{ClusterLabel}={clusterId}"] = true },
            },
        });
    }

    /// <summary>Removes every container of the cluster, then the network and the image tags; each step runs even when one before it fails.</summary>
    public static async Task CleanUpAsync(string clusterId, string network, params string[] imageTags)
    {
        using var client = Connect();
        var failures = new List<Exception>();
        try
        {
            foreach (var container in await ContainersAsync(clusterId))
            {
                await RemoveContainerAsync(client, container.ID);
            }
        }
        catch (Exception ex)
        {
            failures.Add(ex);
        }

        try
        {
            await RemoveNetworkAsync(client, network);
        }
        catch (Exception ex)
        {
            failures.Add(ex);
        }

        foreach (var tag in imageTags)
        {
            try
            {
                await RemoveImageAsync(client, tag);
            }
            catch (Exception ex)
            {
                failures.Add(ex);
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("Docker clean-up failed", failures);
        }
    }

    /// <summary>Builds <paramref name="tag"/> from a Dockerfile with no other context (it can only build FROM local images).</summary>
    public static async Task BuildImageAsync(string tag, string dockerfile)
    {
        using var context = new MemoryStream();
        using (var tar = new TarWriter(context, TarEntryFormat.Ustar, leaveOpen: true))
        {
            await tar.WriteEntryAsync(new UstarTarEntry(TarEntryType.RegularFile, "Dockerfile")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(dockerfile)),
            });
        }

        context.Position = 0;
        var errors = new List<string>();
        using var client = Connect();
        await client.Images.BuildImageFromDockerfileAsync(
            new ImageBuildParameters { Tags = [tag], Remove = true, ForceRemove = true },
            context,
            null,
            null,
            new Progress<JSONMessage>(m =>
            {
                if (m.Error?.Message is { Length: > 0 } error)
                {
                    lock (errors)
                    {
                        errors.Add(error);
                    }
                }
            }));
        try
        {
            await client.Images.InspectImageAsync(tag);
        }
        catch (DockerImageNotFoundException ex)
        {
            throw new InvalidOperationException($"Could not build {tag}: {string.Join("; ", errors)}", ex);
        }
    }

    /// <summary>Gives <paramref name="image"/> the extra name <paramref name="tag"/> (<c>repository:tag</c>).</summary>
    public static async Task TagImageAsync(string image, string tag)
    {
        using var client = Connect();
        var colon = tag.LastIndexOf(':');
        await client.Images.TagImageAsync(image, new ImageTagParameters { RepositoryName = tag[..colon], Tag = tag[(colon + 1)..] });
    }

    public static async Task RemoveImageAsync(string tag)
    {
        using var client = Connect();
        await RemoveImageAsync(client, tag);
    }

    /// <summary>
    /// Removes test containers, networks and image tags whose test process is gone (or, named the old way, that are
    /// older than an hour). Never touches what a running test process uses, nor anything not named as a test's.
    /// </summary>
    private static async Task SweepStaleAsync()
    {
        using var client = Connect();
        var containers = await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [ClusterLabel] = true } },
        });
        foreach (var container in containers)
        {
            if (IsStale(container.Label(ClusterLabel), container.Created))
            {
                await SweepAsync(() => RemoveContainerAsync(client, container.ID));
            }
        }

        foreach (var network in await client.Networks.ListNetworksAsync(new NetworksListParameters()))
        {
            if (IsStale(network.Name, network.Created))
            {
                await SweepAsync(() => RemoveNetworkAsync(client, network.Name));
            }
        }

        foreach (var image in await client.Images.ListImagesAsync(new ImagesListParameters { All = false }))
        {
            foreach (var tag in image.RepoTags ?? [])
            {
                var name = tag[(tag.LastIndexOf(':') + 1)..];
                if (tag.StartsWith("orleans-lb/", StringComparison.Ordinal) && IsStale(name, image.Created))
                {
                    await SweepAsync(() => RemoveImageAsync(client, tag));
                }
            }
        }
    }

    /// <summary>One removal of the sweep: what cannot be removed now (in use, say) is left for a later run.</summary>
    private static async Task SweepAsync(Func<Task> remove)
    {
        try
        {
            await remove();
        }
        catch (DockerApiException)
        {
        }
    }

    private static bool IsStale(string name, DateTime created)
    {
        if (!name.StartsWith(TestPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = name[TestPrefix.Length..];
        var dash = rest.IndexOf('-', StringComparison.Ordinal);
        if (dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}");
        }

        return DateTime.UtcNow - created.ToUniversalTime() > LegacyStaleAfter;
    }

    private static async Task RemoveContainerAsync(DockerClient client, string id)
    {
        try
        {
            await client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true });
        }
        catch (DockerContainerNotFoundException)
        {
        }
    }

    private static async Task RemoveNetworkAsync(DockerClient client, string network)
    {
        try
        {
            await client.Networks.DeleteNetworkAsync(network);
        }
        catch (DockerNetworkNotFoundException)
        {
        }
    }

    private static async Task RemoveImageAsync(DockerClient client, string tag)
    {
        try
        {
            await client.Images.DeleteImageAsync(tag, new ImageDeleteParameters { Force = true });
        }
        catch (DockerImageNotFoundException)
        {
        }
    }
}
