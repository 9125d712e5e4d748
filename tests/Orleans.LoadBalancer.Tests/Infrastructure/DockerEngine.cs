using Docker.DotNet;
using Docker.DotNet.Models;

namespace Orleans.LoadBalancer.Tests.Infrastructure;

/// <summary>The real dockerd the Docker tests run against (started by tests/setup.sh), and cleanup by label.</summary>
public static class DockerEngine
{
    public const string Image = "orleans-lb/backend:dev";

    public static DockerClient Connect() => new DockerClientConfiguration(new Uri("unix:///var/run/docker.sock")).CreateClient();

    /// <summary>Fails with a clear message when the engine or the replica image is missing.</summary>
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
    }

    public static async Task<IList<ContainerListResponse>> ContainersAsync(string clusterId)
    {
        using var client = Connect();
        return await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"orleans-lb.cluster={clusterId}"] = true },
            },
        });
    }

    /// <summary>Removes every container of the cluster and the network.</summary>
    public static async Task CleanUpAsync(string clusterId, string network)
    {
        using var client = Connect();
        foreach (var container in await ContainersAsync(clusterId))
        {
            try
            {
                await client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
            }
            catch (DockerContainerNotFoundException)
            {
            }
        }

        try
        {
            await client.Networks.DeleteNetworkAsync(network);
        }
        catch (DockerNetworkNotFoundException)
        {
        }
        catch (DockerApiException)
        {
        }
    }
}
