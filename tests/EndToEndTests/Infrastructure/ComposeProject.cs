using System.Diagnostics;
using System.Globalization;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// One of the compose files in <c>deploy/</c>, run with Debian's <c>docker-compose</c> 1.29 under a project name of its
/// own (<see cref="DockerEngine.NewClusterId"/>, also the replicas' cluster id and the network's name part) and free
/// loopback ports, on the images <c>deploy/build-images.sh</c> built (tag <c>$IMAGE_TAG</c>, default <c>dev</c>).
/// </summary>
public sealed class ComposeProject : IAsyncDisposable
{
    public const string ProjectLabel = "com.docker.compose.project";

    private const string ServiceLabel = "com.docker.compose.service";
    private const string ReplicaClusterLabel = "orleans-lb.cluster";
    private const string TestPrefix = "lbtest-";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(4);
    private static readonly Lazy<Task> Swept = new(SweepStaleAsync);

    private readonly string _tool;
    private readonly string _file;
    private readonly Dictionary<string, string> _variables;
    private bool _removed;

    private ComposeProject(string tool, string file, Dictionary<string, string> variables)
    {
        _tool = tool;
        _file = file;
        _variables = variables;
    }

    /// <summary>The project name, which is also the cluster id its replica containers are labelled with.</summary>
    public string Name { get; } = DockerEngine.NewClusterId();

    public string Network => Name + "-net";

    public static string ImageTag => Environment.GetEnvironmentVariable("IMAGE_TAG") is { Length: > 0 } tag ? tag : "dev";

    /// <summary>
    /// Checks that <c>docker-compose</c> and the images are there (a missing one fails the test), removes what aborted
    /// runs left, and returns a project for <paramref name="composeFile"/> (relative to the repository root) with the
    /// given host ports; nothing is started yet.
    /// </summary>
    public static async Task<ComposeProject> CreateAsync(string composeFile, IReadOnlyDictionary<string, int> ports, params string[] images)
    {
        var tool = ExternalTool.Require("docker-compose");
        await DockerEngine.RequireAsync();
        using (var client = DockerEngine.Connect())
        {
            foreach (var image in images)
            {
                try
                {
                    await client.Images.InspectImageAsync(image);
                }
                catch (DockerImageNotFoundException ex)
                {
                    throw new InvalidOperationException($"The image {image} is missing: run deploy/build-images.sh (tests/setup.sh does)", ex);
                }
            }
        }

        await Swept.Value;
        var file = Path.Combine(RepoPaths.Root, composeFile);
        var project = new ComposeProject(tool, file, new Dictionary<string, string>
        {
            ["IMAGE_TAG"] = ImageTag,
            ["REDIS_IMAGE"] = $"orleans-lb/redis:{ImageTag}",
            ["DOCKER_GID"] = await SocketGroupAsync(),
        });
        project._variables["CLUSTER_ID"] = project.Name;
        project._variables["DOCKER_NETWORK"] = project.Network;
        foreach (var (name, port) in ports)
        {
            project._variables[name] = port.ToString(CultureInfo.InvariantCulture);
        }

        return project;
    }

    /// <summary>Runs <c>docker-compose -p NAME -f FILE ARGS…</c>; its exit code and output (both streams).</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(_tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var argument in (string[])["-p", Name, "-f", _file, "--ansi", "never", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _variables)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start docker-compose");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(CommandTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"docker-compose {string.Join(' ', arguments)} did not end within {CommandTimeout}:\n{output}");
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    /// <summary>The container of <paramref name="service"/>, inspected.</summary>
    public async Task<ContainerInspectResponse> InspectAsync(string service)
    {
        using var client = DockerEngine.Connect();
        var containers = await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = Labels($"{ProjectLabel}={Name}", $"{ServiceLabel}={service}"),
        });
        var container = Assert.Single(containers);
        return await client.Containers.InspectContainerAsync(container.ID);
    }

    /// <summary>The replica containers the silo started for this project's cluster, inspected.</summary>
    public async Task<IReadOnlyList<ContainerInspectResponse>> ReplicasAsync()
    {
        using var client = DockerEngine.Connect();
        var inspected = new List<ContainerInspectResponse>();
        foreach (var container in await DockerEngine.ContainersAsync(Name))
        {
            inspected.Add(await client.Containers.InspectContainerAsync(container.ID));
        }

        return inspected;
    }

    /// <summary>
    /// The way down the compose files' header describes: stop the services (so no silo respawns a replica), remove the
    /// replica containers the silo started (they are not compose's), then <c>down -v</c>. Returns <c>down</c>'s exit
    /// code and the output of all three.
    /// </summary>
    public async Task<(int ExitCode, string Output)> TearDownAsync()
    {
        _removed = true;
        var (_, stopped) = await RunAsync("stop", "-t", "5");
        using (var client = DockerEngine.Connect())
        {
            foreach (var replica in await DockerEngine.ContainersAsync(Name))
            {
                try
                {
                    await client.Containers.RemoveContainerAsync(replica.ID, new ContainerRemoveParameters { Force = true });
                }
                catch (DockerContainerNotFoundException)
                {
                }
            }
        }

        var (exitCode, down) = await RunAsync("down", "-v", "--remove-orphans", "-t", "5");
        return (exitCode, stopped + down);
    }

    /// <summary>What of this project is still on the engine: containers, networks and volumes, by name.</summary>
    public async Task<IReadOnlyList<string>> LeftoversAsync()
    {
        using var client = DockerEngine.Connect();
        var left = new List<string>();
        var containers = await client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = Labels($"{ProjectLabel}={Name}") });
        containers = [.. containers, .. await DockerEngine.ContainersAsync(Name)];
        left.AddRange(containers.Select(c => "container " + c.Names?.FirstOrDefault()?.TrimStart('/')));
        var networks = await client.Networks.ListNetworksAsync(new NetworksListParameters());
        left.AddRange(networks.Where(n => n.Name == Network || (n.Labels?.TryGetValue(ProjectLabel, out var p) ?? false) && p == Name).Select(n => "network " + n.Name));
        var volumes = await client.Volumes.ListAsync(new VolumesListParameters { Filters = Labels($"{ProjectLabel}={Name}") });
        left.AddRange((volumes.Volumes ?? []).Select(v => "volume " + v.Name));
        return left;
    }

    /// <summary>Removes everything of the project even when the test failed half-way; a no-op after <see cref="TearDownAsync"/> worked.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_removed || (await LeftoversAsync()).Count > 0)
        {
            try
            {
                await TearDownAsync();
            }
            finally
            {
                await RemoveAsync(project => project == Name);
            }
        }
    }

    /// <summary>The group that owns the Docker socket: the silo's non-root user joins it (<c>group_add</c>).</summary>
    private static async Task<string> SocketGroupAsync()
    {
        var start = new ProcessStartInfo("stat", ["-c", "%g", "/var/run/docker.sock"]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not run stat");
        var gid = (await process.StandardOutput.ReadToEndAsync()).Trim();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? gid : throw new InvalidOperationException("Could not read the group of /var/run/docker.sock");
    }

    /// <summary>Projects of test processes that are gone (aborted runs): their containers, networks and volumes.</summary>
    private static Task SweepStaleAsync() => RemoveAsync(IsStale);

    private static async Task RemoveAsync(Func<string, bool> matches)
    {
        using var client = DockerEngine.Connect();
        var containers = await client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = Labels(ProjectLabel) });
        var replicas = await client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = Labels(ReplicaClusterLabel) });
        foreach (var container in containers.Where(c => matches(c.Label(ProjectLabel)))
            .Concat(replicas.Where(c => matches(c.Label(ReplicaClusterLabel)))))
        {
            await QuietlyAsync(() => client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true }));
        }

        foreach (var network in await client.Networks.ListNetworksAsync(new NetworksListParameters()))
        {
            if (network.Name.EndsWith("-net", StringComparison.Ordinal) && matches(network.Name[..^"-net".Length]))
            {
                await QuietlyAsync(() => client.Networks.DeleteNetworkAsync(network.ID));
            }
        }

        var volumes = await client.Volumes.ListAsync(new VolumesListParameters { Filters = Labels(ProjectLabel) });
        foreach (var volume in (volumes.Volumes ?? []).Where(v => matches(v.Labels?[ProjectLabel] ?? "")))
        {
            await QuietlyAsync(() => client.Volumes.RemoveAsync(volume.Name, force: true));
        }
    }

    /// <summary>A test project whose process is gone: named <c>lbtest-&lt;pid&gt;-…</c> with no such process now.</summary>
    private static bool IsStale(string project)
    {
        if (!project.StartsWith(TestPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = project[TestPrefix.Length..];
        var dash = rest.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}");
    }

    private static async Task QuietlyAsync(Func<Task> remove)
    {
        try
        {
            await remove();
        }
        catch (DockerApiException)
        {
        }
    }

    private static Dictionary<string, IDictionary<string, bool>> Labels(params string[] labels) =>
        new() { ["label"] = labels.ToDictionary(l => l, _ => true) };

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
