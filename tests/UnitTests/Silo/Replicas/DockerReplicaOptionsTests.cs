using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Silo.Hosting;
using Orleans.LoadBalancer.Silo.Replicas;

namespace Orleans.LoadBalancer.UnitTests.Silo.Replicas;

/// <summary>How the silo reads <c>Replicas:Docker</c>: its cluster label follows the Orleans cluster unless set.</summary>
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

    private static DockerReplicaOptions Configured(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(settings.Append(new("Replicas:Runtime", "Docker")));
        builder.AddLoadBalancerSilo();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<DockerReplicaOptions>>().Value;
    }
}
