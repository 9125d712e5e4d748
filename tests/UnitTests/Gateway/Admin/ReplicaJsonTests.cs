using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Routing;
using Orleans.LoadBalancer.UnitTests.Routing;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Admin;

/// <summary><c>GET /replicas</c> and <c>PUT /replicas/{name}/weight</c> bodies, byte for byte.</summary>
public sealed class ReplicaJsonTests
{
    private static readonly RoutingSnapshot Snapshot = RoutingSnapshot.Create(1, TestTables.Table(RoutingSettings.Slots, 2),
    [
        new RoutedReplica("replica-1", "http://127.0.0.1:5001", true),
        new RoutedReplica("replica-2", "http://127.0.0.1:5002", true),
    ]);

    // Its status says weight 2, but this gateway's table still holds it at 1: effectiveWeight comes from the table.
    private static readonly ReplicaStatus Weighted =
        new("replica-2", "http://127.0.0.1:5002", "process", "4242", ReplicaHealth.Healthy, 1, 0.6, Weight: 2, Host: "silo-1",
            HealthPath: "/heartbeat", HealthStatus: "200-299");

    private static readonly ReplicaStatus External =
        new("Zoë api", "https://backend.example.com", ExternalReplicas.RuntimeId, ExternalReplicas.RuntimeId, ReplicaHealth.Dead, 0, 1.0 / 3, Draining: true, Protocol: ReplicaProtocol.H2,
            HealthPath: "/ready", HealthStatus: "204");

    private const string WeightedJson =
        """{"name":"replica-2","dnsName":"replica-2","address":"http://127.0.0.1:5002","state":"healthy","runtime":"process","runtimeId":"4242","restarts":1,"share":0.6,"weight":2,"effectiveWeight":1,"draining":false,"host":"silo-1","protocol":"http1","healthPath":"/heartbeat","healthStatus":"200-299"}""";

    private const string ExternalJson =
        """{"name":"Zo\u00EB api","dnsName":"zo-api","address":"https://backend.example.com","state":"dead","runtime":"external","runtimeId":"external","restarts":0,"share":0.3333333333333333,"weight":1,"effectiveWeight":1,"draining":true,"host":"","protocol":"h2","healthPath":"/ready","healthStatus":"204"}""";

    [Fact]
    public async Task The_list_carries_each_replica_in_the_seeds_envelope()
    {
        var (contentType, body) = await ExecuteAsync(ReplicaJson.List([Weighted, External], Snapshot));

        Assert.Equal("application/json; charset=utf-8", contentType);
        Assert.Equal($$"""{"message":{"N":2,"replicas":[{{WeightedJson}},{{ExternalJson}}]},"status":"successful"}""", body);
    }

    [Fact]
    public async Task One_replica_is_the_message()
    {
        var (contentType, body) = await ExecuteAsync(ReplicaJson.One(Weighted, Snapshot));

        Assert.Equal("application/json; charset=utf-8", contentType);
        Assert.Equal($$"""{"message":{{WeightedJson}},"status":"successful"}""", body);
    }

    [Fact]
    public async Task An_empty_list_is_still_a_list()
    {
        var (_, body) = await ExecuteAsync(ReplicaJson.List([], RoutingSnapshot.Empty));

        Assert.Equal("""{"message":{"N":0,"replicas":[]},"status":"successful"}""", body);
    }

    private static async Task<(string? ContentType, string Body)> ExecuteAsync(IResult result)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        using var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteAsync(context);
        return (context.Response.ContentType, Encoding.UTF8.GetString(body.ToArray()));
    }
}
