using System.Text;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Hosting;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.UnitTests.Grains.Interfaces.Replicas;

/// <summary>The protocol of an external replica, as <c>POST /add</c> and <c>Replicas:Static</c> take it: one rule for both.</summary>
public sealed class ReplicaProtocolTests
{
    [Fact]
    public void Each_entry_takes_a_protocol_and_http1_when_none_is_given()
    {
        var body = """
            {"replicas": [
              {"name": "grpc", "address": "http://10.0.0.7:8080", "protocol": "h2c"},
              {"name": "tls", "address": "https://backend.example.com", "protocol": "h2"},
              {"name": "web", "address": "https://backend.example.com:8443", "protocol": "http1"},
              {"name": "old", "address": "http://10.0.0.8:8080"}
            ]}
            """;

        var (request, error) = AdminRequestBody.Read(Encoding.UTF8.GetBytes(body), AdminOperation.Add);

        Assert.Null(error);
        Assert.Equal(
            [ReplicaProtocol.H2c, ReplicaProtocol.H2, ReplicaProtocol.Http1, ReplicaProtocol.Http1],
            request!.Replicas!.Select(r => r.Protocol));
    }

    [Theory]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "protocol": "http2"}]}""", "'replicas[0].protocol' must be \"http1\", \"h2c\" or \"h2\"")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "protocol": "H2C"}]}""", "'replicas[0].protocol' must be \"http1\", \"h2c\" or \"h2\"")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "protocol": ""}]}""", "'replicas[0].protocol' must be \"http1\", \"h2c\" or \"h2\"")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "protocol": 2}]}""", "'replicas[0].protocol' must be a string")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "protocol": null}]}""", "'replicas[0].protocol' must be a string")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "protocol": "h2c", "protocol": "h2c"}]}""", "'replicas[0].protocol' is given more than once")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "protocol": "h2"}]}""", "'replicas[0].protocol' \"h2\" (HTTP/2 over TLS) needs an https:// address, not 'http://h:1'")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1"}, {"name": "b", "address": "https://h:2", "protocol": "h2c"}]}""", "'replicas[1].protocol' \"h2c\" (HTTP/2 without TLS) needs an http:// address, not 'https://h:2'")]
    public void A_bad_protocol_is_rejected_naming_the_entry_and_field(string body, string expected)
    {
        var (request, error) = AdminRequestBody.Read(Encoding.UTF8.GetBytes(body), AdminOperation.Add);

        Assert.Null(request);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void The_manager_checks_the_protocol_against_the_address_again()
    {
        Assert.Null(ReplicaSetRules.ValidateExternal([ExternalReplicas.Of("a", "https://h:1", 1, ReplicaProtocol.H2)]));
        Assert.Equal(
            "'replicas[0].protocol' \"h2\" (HTTP/2 over TLS) needs an https:// address, not 'http://h:1'",
            ReplicaSetRules.ValidateExternal([ExternalReplicas.Of("a", "http://h:1", 1, ReplicaProtocol.H2)]));
    }

    [Fact]
    public void Static_replicas_take_a_protocol_by_the_same_rule()
    {
        var good = new ReplicaOptions { Static = [new StaticReplica { Name = "grpc", Address = "http://10.0.0.7:8080", Protocol = "h2c" }] };
        var unknown = new ReplicaOptions { Static = [new StaticReplica { Name = "grpc", Address = "http://10.0.0.7:8080", Protocol = "grpc" }] };
        var mismatch = new ReplicaOptions { Static = [new StaticReplica { Name = "tls", Address = "http://10.0.0.7:8080", Protocol = "h2" }] };

        Assert.Equal(ReplicaProtocol.H2c, good.Validated(ReplicaOptions.Section).Static[0].ToRecord().Protocol);
        Assert.Equal(
            "Invalid configuration: Replicas:Static:0: 'protocol' must be \"http1\", \"h2c\" or \"h2\".",
            Assert.Throws<InvalidConfigurationException>(() => unknown.Validated(ReplicaOptions.Section)).Message);
        Assert.Equal(
            "Invalid configuration: Replicas:Static:0: 'protocol' \"h2\" (HTTP/2 over TLS) needs an https:// address, not 'http://10.0.0.7:8080'.",
            Assert.Throws<InvalidConfigurationException>(() => mismatch.Validated(ReplicaOptions.Section)).Message);
        Assert.Equal(ReplicaProtocols.Http1, new StaticReplica().Protocol);
    }

    [Theory]
    [InlineData(ReplicaProtocol.Http1, "http1")]
    [InlineData(ReplicaProtocol.H2c, "h2c")]
    [InlineData(ReplicaProtocol.H2, "h2")]
    public void Names_read_back_as_their_protocol(ReplicaProtocol protocol, string name)
    {
        Assert.Equal(name, ReplicaProtocols.Name(protocol));
        Assert.Equal(protocol, ReplicaProtocols.Parse(name));
    }
}
