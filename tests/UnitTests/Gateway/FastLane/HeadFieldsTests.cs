using System.Text;
using Microsoft.AspNetCore.Http;
using Orleans.LoadBalancer.Gateway.FastLane;

namespace Orleans.LoadBalancer.UnitTests.Gateway.FastLane;

public sealed class HeadFieldsTests
{
    [Fact]
    public void Fields_come_in_order_with_values_trimmed_and_lines_whole()
    {
        var bytes = Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: a\r\nX-A:  one two \t\r\nx-empty:\r\nX-A:three\r\n\r\nbody");
        var fields = new List<(string, string, string)>();
        foreach (var field in new HeadFields(bytes.AsSpan(0, bytes.Length - 4)))
        {
            fields.Add((Encoding.ASCII.GetString(bytes[field.Name]), Encoding.ASCII.GetString(bytes[field.Value]), Encoding.ASCII.GetString(bytes[field.Line])));
        }

        Assert.Equal(
            [("Host", "a", "Host: a\r\n"), ("X-A", "one two", "X-A:  one two \t\r\n"), ("x-empty", "", "x-empty:\r\n"), ("X-A", "three", "X-A:three\r\n")],
            fields);
    }

    [Fact]
    public void Key_sources_read_a_header_as_kestrel_joins_it()
    {
        var text = "GET /users/42/orders HTTP/1.1\r\nHost: a\r\nX-Tenant: t1\r\nx-tenant:  t2 \r\nX-Other: o\r\n\r\n";
        var bytes = Encoding.ASCII.GetBytes(text);
        var request = new FastLaneRequest(bytes, bytes.Length, new PathString("/users/42/orders"), "10.0.0.1");

        Assert.Equal("t1,t2", request.Header("X-Tenant"));
        Assert.Equal("o", request.Header("x-other"));
        Assert.Equal("", request.Header("X-Missing"));
        Assert.Equal("10.0.0.1", request.ClientIp());
    }
}
