using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Hosting;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Configuration;

/// <summary><c>Gateway:Tracing</c>: off unless an endpoint is given, checked at start-up, and where spans are posted.</summary>
public sealed class TracingOptionsTests
{
    [Fact]
    public void Off_by_default_with_every_trace_sampled_over_grpc()
    {
        var options = Read([]);
        Assert.Equal((false, OtlpTransport.Grpc, 1.0), (options.Enabled, options.Protocol, options.SamplingRatio));
    }

    [Theory]
    [InlineData("OtlpEndpoint", "collector:4317")]
    [InlineData("OtlpEndpoint", "ftp://collector")]
    [InlineData("SamplingRatio", "1.5")]
    [InlineData("SamplingRatio", "-0.1")]
    [InlineData("Protocol", "Thrift")]
    public void A_bad_setting_is_refused_naming_its_key(string key, string value)
    {
        var error = Assert.ThrowsAny<Exception>(() => Read(new() { [$"Gateway:Tracing:{key}"] = value }));
        Assert.True(error is OptionsValidationException or InvalidConfigurationException or InvalidOperationException, error.ToString());
        Assert.Contains(key, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Grpc", "http://collector:4317", "http://collector:4317/")]
    [InlineData("HttpProtobuf", "http://collector:4318", "http://collector:4318/v1/traces")]
    [InlineData("httpprotobuf", "https://collector:4318/", "https://collector:4318/v1/traces")]
    [InlineData("HttpProtobuf", "http://collector/otlp/v1/traces", "http://collector/otlp/v1/traces")]
    public void Spans_go_to_the_endpoint_given_with_the_standard_path_added_over_http(string protocol, string endpoint, string expected)
    {
        var options = Read(new() { ["Gateway:Tracing:OtlpEndpoint"] = endpoint, ["Gateway:Tracing:Protocol"] = protocol });
        Assert.True(options.Enabled);
        Assert.Equal(new Uri(expected), TracingRegistration.ExportAddress(options));
    }

    private static TracingOptions Read(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSettings<TracingOptions>(TracingOptions.Section);
        return builder.ReadSettings<TracingOptions>(TracingOptions.Section);
    }
}
