using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Silo.Hosting;
using Orleans.LoadBalancer.Silo.Replicas;

namespace Orleans.LoadBalancer.UnitTests.Silo.Replicas;

/// <summary>
/// How the silo reads <c>Replicas:Process</c>: replicas outlive a silo that dies on every provider; a normal stop leaves
/// them only in a Redis cluster (the other silos adopt them), unless the section says otherwise.
/// </summary>
public sealed class ProcessReplicaOptionsTests
{
    [Theory]
    [InlineData("Localhost", null, false)]
    [InlineData("Redis", null, true)]
    [InlineData("Redis", "false", false)]
    [InlineData("Localhost", "true", true)]
    public void A_normal_stop_leaves_the_replicas_in_a_Redis_cluster_unless_configured(string provider, string? keepOnStop, bool expected)
    {
        var settings = new Dictionary<string, string?> { ["Cluster:Provider"] = provider };
        if (keepOnStop is not null)
        {
            settings["Replicas:Process:KeepOnStop"] = keepOnStop;
        }

        var options = Configured(settings);
        Assert.Equal(expected, options.KeepOnStop);
        Assert.True(options.Detached);
    }

    [Fact]
    public void A_value_that_is_not_a_number_fails_naming_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Configured(new() { ["Replicas:Process:WarmSpares"] = "many" }));

        Assert.Contains("'Replicas:Process:WarmSpares'", error.Message);
    }

    [Theory]
    [InlineData("Replicas:Process:WarmSpares", "17", "Replicas:Process:WarmSpares: ")]
    [InlineData("Replicas:Process:StartBoost", "-00:00:01", "Replicas:Process:StartBoost: ")]
    [InlineData("Replicas:Process:Host", "localhost", "Replicas:Process:Host: must be an IP address")]
    [InlineData("Replicas:Process:Command", "/no/such/replica.dll", "Replicas:Process:Command: '/no/such/replica.dll' is not a file")]
    [InlineData("Replicas:Process:StateDirectory", "", "Replicas:Process:StateDirectory: ")]
    public void A_wrong_value_is_refused_naming_the_key(string key, string value, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Configured(new() { [key] = value }));

        Assert.Contains(error.Failures, f => f.StartsWith(message, StringComparison.Ordinal));
    }

    private static ProcessReplicaOptions Configured(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddLoadBalancerSilo();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<ProcessReplicaOptions>>().Value;
    }
}
