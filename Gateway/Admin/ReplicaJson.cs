using System.Buffers;
using System.Text.Json;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// <c>GET /replicas</c> and <c>PUT /replicas/{name}/weight</c>: each replica written from its <see cref="ReplicaStatus"/>
/// in the seed's envelope, <c>{"message": …, "status": "successful"}</c>.
/// </summary>
internal static class ReplicaJson
{
    private const string ContentType = "application/json; charset=utf-8";

    /// <summary><c>{"message": {"N": 2, "replicas": [{…}, {…}]}, "status": "successful"}</c></summary>
    public static IResult List(IReadOnlyList<ReplicaStatus> replicas, RoutingSnapshot snapshot) => Successful(writer =>
    {
        writer.WriteStartObject();
        writer.WriteNumber("N", replicas.Count);
        writer.WriteStartArray("replicas");
        foreach (var replica in replicas)
        {
            Write(writer, replica, snapshot);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    /// <summary><c>{"message": {…}, "status": "successful"}</c></summary>
    public static IResult One(ReplicaStatus replica, RoutingSnapshot snapshot) => Successful(writer => Write(writer, replica, snapshot));

    /// <summary>
    /// The replica's status; <c>effectiveWeight</c> comes from <paramref name="snapshot"/> (this gateway's ring): below
    /// <c>weight</c> while the replica is in slow start.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, ReplicaStatus replica, RoutingSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(replica);
        var routed = Array.Find(snapshot.Replicas, r => r.Name == replica.Name);
        writer.WriteStartObject();
        writer.WriteString("name", replica.Name);
        writer.WriteString("dnsName", ReplicaNames.Slug(replica.Name));
        writer.WriteString("address", replica.Address);
        writer.WriteString("state", replica.Health.ToString().ToLowerInvariant());
        writer.WriteString("runtime", replica.Runtime);
        writer.WriteString("runtimeId", replica.RuntimeId);
        writer.WriteNumber("restarts", replica.Restarts);
        writer.WriteNumber("share", replica.Share);
        writer.WriteNumber("weight", replica.Weight);
        writer.WriteNumber("effectiveWeight", routed?.EffectiveWeight ?? replica.Weight);
        writer.WriteBoolean("draining", replica.Draining);
        writer.WriteString("host", replica.Host);
        writer.WriteString("protocol", ReplicaProtocols.Name(replica.Protocol));
        writer.WriteString("healthPath", replica.HealthPath);
        writer.WriteString("healthStatus", replica.HealthStatus);
        writer.WriteEndObject();
    }

    private static IResult Successful(Action<Utf8JsonWriter> writeMessage)
    {
        var body = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("message");
            writeMessage(writer);
            writer.WriteString("status", "successful");
            writer.WriteEndObject();
        }

        return TypedResults.Text(body.WrittenSpan, ContentType);
    }
}
