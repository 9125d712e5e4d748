using System.Buffers;
using System.Text;
using Orleans.LoadBalancer.Gateway.FastLane;

namespace Orleans.LoadBalancer.UnitTests.Gateway.FastLane;

/// <summary>Which of a replica's response fields the fast lane passes on, as YARP's forwarder and the transformer do in Kestrel's lane.</summary>
public sealed class ReplicaResponseFieldsTests
{
    private static readonly (string Name, string Value)[] Replica =
    [
        ("Content-Type", "text/plain"), ("Content-Length", "5"), ("Connection", "keep-alive"), ("Keep-Alive", "timeout=5"),
        ("Transfer-Encoding", "chunked"), ("X-Replica", "forged"), ("X-Attempts", "9"), ("X-Request-Id", "from-replica"),
        ("ETag", "\"e\""), ("Set-Cookie", "a=b"), ("Alt-Svc", "h3=\":443\""), ("Proxy-Authenticate", "Basic"), ("Date", "Mon, 07 Dec 2026 10:00:00 GMT"),
    ];

    [Fact]
    public void Hop_by_hop_and_the_gateways_own_fields_are_left_out()
    {
        var written = Write(requestId: "", bodyReplaced: false, out var hasDate);

        Assert.Equal(
            "Content-Type: text/plain\r\nContent-Length: 5\r\nX-Request-Id: from-replica\r\nETag: \"e\"\r\nSet-Cookie: a=b\r\nDate: Mon, 07 Dec 2026 10:00:00 GMT\r\n",
            written);
        Assert.True(hasDate);
    }

    [Fact]
    public void A_generated_request_id_replaces_the_replicas_and_a_replaced_body_drops_its_fields()
    {
        var written = Write(requestId: "x-request-id", bodyReplaced: true, out _);

        Assert.Equal("Set-Cookie: a=b\r\nDate: Mon, 07 Dec 2026 10:00:00 GMT\r\n", written);
    }

    private static string Write(string requestId, bool bodyReplaced, out bool hasDate)
    {
        var fields = new ReplicaResponseFields();
        fields.Reset();
        foreach (var (name, value) in Replica)
        {
            fields.Add(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
        }

        var output = new ArrayBufferWriter<byte>();
        fields.WriteTo(output, Encoding.ASCII.GetBytes(requestId), bodyReplaced);
        hasDate = fields.HasDate;
        return Encoding.ASCII.GetString(output.WrittenSpan);
    }
}
