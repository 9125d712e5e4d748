using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy.Upstream;

/// <summary><c>Gateway:UpstreamClient</c> binds by name, defaults to SocketsHttpHandler, and refuses anything else at start-up.</summary>
public sealed class UpstreamClientOptionsTests
{
    [Theory]
    [InlineData(null, UpstreamClientKind.Sockets)]
    [InlineData("Lean", UpstreamClientKind.Lean)]
    [InlineData("lean", UpstreamClientKind.Lean)]
    [InlineData("Sockets", UpstreamClientKind.Sockets)]
    public void The_client_is_chosen_by_name(string? value, UpstreamClientKind expected)
    {
        Assert.Equal(expected, Read(value).UpstreamClient);
    }

    [Theory]
    [InlineData("Curl")]
    [InlineData("7")]
    public void Any_other_client_is_refused_naming_the_key(string value)
    {
        var error = Assert.ThrowsAny<Exception>(() => Read(value));
        Assert.True(error is OptionsValidationException or InvalidConfigurationException, error.ToString());
        Assert.Contains("UpstreamClient", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_kind_builds_an_invoker()
    {
        using var lean = UpstreamInvoker.Create(UpstreamClientKind.Lean, TimeSpan.FromSeconds(1));
        using var sockets = UpstreamInvoker.Create(UpstreamClientKind.Sockets, TimeSpan.FromSeconds(1));
        Assert.NotNull(lean);
        Assert.NotNull(sockets);
    }

    private static GatewayOptions Read(string? value)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Only this test's setting: the environment may choose a client for the test run's gateways.
        builder.Configuration.Sources.Clear();
        if (value is not null)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:UpstreamClient"] = value });
        }

        builder.Services.AddSettings<GatewayOptions>(GatewayOptions.Section);
        return builder.ReadSettings<GatewayOptions>(GatewayOptions.Section);
    }
}
