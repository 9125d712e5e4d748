using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Silo.Hosting;
using Orleans.LoadBalancer.Silo.Replicas;

namespace Orleans.LoadBalancer.UnitTests.Silo.Replicas;

/// <summary>
/// How the silo reads <c>Replicas:Docker</c>: its cluster label follows the Orleans cluster unless set; the pull
/// policy, environment, volumes and limits are checked at start-up, each mistake named by its key.
/// </summary>
public sealed class DockerReplicaOptionsTests
{
    [Fact]
    public void The_container_label_defaults_to_the_cluster_id()
    {
        Assert.Equal("alpha", Configured(new() { ["Cluster:ClusterId"] = "alpha" }).ClusterId);
    }

    [Fact]
    public void An_explicit_container_label_wins()
    {
        Assert.Equal("beta", Configured(new() { ["Cluster:ClusterId"] = "alpha", ["Replicas:Docker:ClusterId"] = "beta" }).ClusterId);
    }

    [Fact]
    public void A_container_label_that_cannot_be_part_of_a_container_name_fails_at_start_up()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Configured(new() { ["Replicas:Docker:ClusterId"] = "not valid" }));

        Assert.Contains("Replicas:Docker:ClusterId", error.Message);
    }

    [Theory]
    [InlineData("268435456", 268435456L)]
    [InlineData("256m", 256L * 1024 * 1024)]
    [InlineData("256M", 256L * 1024 * 1024)]
    [InlineData("256mb", 256L * 1024 * 1024)]
    [InlineData("256MiB", 256L * 1024 * 1024)]
    [InlineData("1g", 1024L * 1024 * 1024)]
    [InlineData("1.5g", 1536L * 1024 * 1024)]
    [InlineData("512k", 512L * 1024)]
    [InlineData("100b", 100L)]
    [InlineData("2t", 2L * 1024 * 1024 * 1024 * 1024)]
    public void Memory_sizes_read_as_docker_run_reads_them(string text, long bytes)
    {
        Assert.True(DockerMemorySize.TryParse(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("-1g")]
    [InlineData("1.g")]
    [InlineData("256x")]
    [InlineData("1gg")]
    [InlineData("256 megabytes")]
    [InlineData("1,5g")]
    [InlineData("999999999999999t")]
    public void What_is_not_a_memory_size_is_refused(string text)
    {
        Assert.False(DockerMemorySize.TryParse(text, out _));
    }

    [Theory]
    [InlineData("/srv/data:/data", "/srv/data", "/data", false)]
    [InlineData("/srv/data:/data:ro", "/srv/data", "/data", true)]
    [InlineData("/srv/data:/data:rw", "/srv/data", "/data", false)]
    [InlineData("cache:/var/cache/app", "cache", "/var/cache/app", false)]
    public void Volume_strings_read_as_docker_run_v_reads_them(string text, string source, string target, bool readOnly)
    {
        var volume = DockerVolume.Parse(text, out var error);

        Assert.Equal(new DockerVolume(source, target, readOnly), volume);
        Assert.Equal("", error);
        Assert.Equal(text.EndsWith(":rw", StringComparison.Ordinal) ? text[..^3] : text, volume!.Bind);
    }

    [Theory]
    [InlineData("/data", "is not source:target")]
    [InlineData("/a:/b:ro:extra", "is not source:target")]
    [InlineData(":/data", "is not source:target")]
    [InlineData("./data:/data", "neither an absolute path on the Docker host nor a volume name")]
    [InlineData("my volume:/data", "neither an absolute path on the Docker host nor a volume name")]
    [InlineData("/srv:data", "is not an absolute path in the container")]
    [InlineData("/srv:/", "is not an absolute path in the container")]
    [InlineData("/srv:/data:z", "neither ro nor rw")]
    public void A_volume_string_docker_would_refuse_is_refused_saying_why(string text, string why)
    {
        Assert.Null(DockerVolume.Parse(text, out var error));
        Assert.Contains(why, error);
    }

    [Fact]
    public void The_defaults_pull_when_missing_and_set_no_environment_volumes_or_limits()
    {
        var options = Configured(new() { ["Cluster:ClusterId"] = "alpha" });

        Assert.Equal(DockerPullPolicy.IfNotPresent, options.PullPolicy);
        Assert.Empty(options.Environment);
        Assert.Empty(options.Volumes);
        Assert.Equal((0L, 0L), (options.NanoCpus, options.MemoryBytes));
    }

    [Fact]
    public void Policy_environment_volumes_and_limits_are_read_from_their_keys()
    {
        var options = Configured(new()
        {
            ["Replicas:Docker:PullPolicy"] = "never",
            ["Replicas:Docker:Environment:GREETING"] = "hello",
            ["Replicas:Docker:Environment:Logging__LogLevel__Default"] = "Warning",
            ["Replicas:Docker:Volumes:0"] = "/srv/data:/data:ro",
            ["Replicas:Docker:Volumes:1"] = "cache:/cache",
            ["Replicas:Docker:Cpus"] = "0.5",
            ["Replicas:Docker:Memory"] = "256m",
        });

        Assert.Equal(DockerPullPolicy.Never, options.PullPolicy);
        Assert.Equal("hello", options.Environment["GREETING"]);
        Assert.Equal("Warning", options.Environment["Logging__LogLevel__Default"]);
        Assert.Equal(["/srv/data:/data:ro", "cache:/cache"], options.Mounts.Select(m => m.Bind));
        Assert.Equal(500_000_000L, options.NanoCpus);
        Assert.Equal(256L * 1024 * 1024, options.MemoryBytes);
    }

    [Theory]
    [InlineData("Replicas:Docker:PullPolicy", "Sometimes", "Replicas:Docker:PullPolicy")]
    [InlineData("Replicas:Docker:Environment:SERVER_ID", "x", "Replicas:Docker:Environment:SERVER_ID: SERVER_ID is set by the runtime")]
    [InlineData("Replicas:Docker:Environment:port", "80", "Replicas:Docker:Environment:port: port is set by the runtime")]
    [InlineData("Replicas:Docker:Environment:1ST", "x", "Replicas:Docker:Environment:1ST: '1ST' is not an environment variable name")]
    [InlineData("Replicas:Docker:Environment:A B", "x", "Replicas:Docker:Environment:A B: 'A B' is not an environment variable name")]
    [InlineData("Replicas:Docker:Volumes:0", "relative/path:/data", "Replicas:Docker:Volumes:0: 'relative/path:/data': the source")]
    [InlineData("Replicas:Docker:Cpus", "0", "Replicas:Docker:Cpus: 0 is not a number of CPUs from 0.01 to 1024")]
    [InlineData("Replicas:Docker:Cpus", "-1", "Replicas:Docker:Cpus: ")]
    [InlineData("Replicas:Docker:Memory", "lots", "Replicas:Docker:Memory: 'lots' is not a memory size")]
    [InlineData("Replicas:Docker:Memory", "1m", "Replicas:Docker:Memory: '1m' is less than the engine's minimum, 6m")]
    public void A_mistake_fails_at_start_up_naming_its_key(string key, string value, string message)
    {
        var error = Assert.ThrowsAny<Exception>(() => Configured(new() { [key] = value }));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Two_volumes_at_one_target_fail_at_start_up()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Configured(new()
        {
            ["Replicas:Docker:Volumes:0"] = "/srv/a:/data",
            ["Replicas:Docker:Volumes:1"] = "/srv/b:/data/:ro",
        }));

        Assert.Contains("Replicas:Docker:Volumes:1: '/srv/b:/data/:ro': another volume is mounted at /data/ already", error.Message);
    }

    [Theory]
    [InlineData("orleans-lb/backend:dev", "orleans-lb/backend", "dev")]
    [InlineData("nginx", "nginx", "latest")]
    [InlineData("registry:5000/team/app", "registry:5000/team/app", "latest")]
    [InlineData("registry:5000/team/app:1.2", "registry:5000/team/app", "1.2")]
    [InlineData("app@sha256:abc", "app", "sha256:abc")]
    public void An_image_is_pulled_by_its_repository_and_tag(string image, string repository, string tag)
    {
        Assert.Equal((repository, tag), DockerImagePuller.Reference(image));
    }

    private static DockerReplicaOptions Configured(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(settings.Append(new("Replicas:Runtime", "Docker")));
        builder.AddLoadBalancerSilo();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<DockerReplicaOptions>>().Value;
    }
}
