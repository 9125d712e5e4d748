using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Proxy.AccessLog;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy.AccessLog;

/// <summary>The two access log formats, field by field.</summary>
public sealed class AccessLogLineTests
{
    private static AccessLogEntry Entry(AccessLogFormat format) => new()
    {
        Format = format,
        Time = new DateTime(2026, 12, 7, 4, 5, 6, 789, DateTimeKind.Utc),
        Client = IPAddress.Parse("203.0.113.7"),
        Method = "GET",
        Path = "/files/ä b\"",
        Protocol = "HTTP/1.1",
        Status = 200,
        KeyHash = 0xABCDEF,
        Replica = "Server 2",
        Attempts = 2,
        UpstreamTime = TimeSpan.FromMilliseconds(12.3456),
        TotalTime = TimeSpan.FromMilliseconds(13.6),
        BytesSent = 52,
        BytesReceived = 7,
        UserAgent = "curl/8.5.0",
    };

    [Fact]
    public void A_json_line_is_one_object_with_every_field()
    {
        var output = new ArrayBufferWriter<byte>();
        var line = new JsonAccessLine();
        line.Write(Entry(AccessLogFormat.Json), output);
        line.Write(new AccessLogEntry { Format = AccessLogFormat.Json, Time = DateTime.UnixEpoch, Method = "GET", Path = "/rep", Protocol = "HTTP/1.1", Status = 200 }, output);
        var lines = Encoding.UTF8.GetString(output.WrittenSpan).Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal("", lines[2]);
        var json = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("2026-12-07T04:05:06.789Z", json.GetProperty("time").GetString());
        Assert.Equal("203.0.113.7", json.GetProperty("client").GetString());
        Assert.Equal("/files/ä b\"", json.GetProperty("path").GetString());
        Assert.Equal("0000000000abcdef", json.GetProperty("key").GetString());
        Assert.Equal("Server 2", json.GetProperty("replica").GetString());
        Assert.Equal(2, json.GetProperty("attempts").GetInt32());
        Assert.Equal(0.012346, json.GetProperty("upstream_time").GetDouble());
        Assert.Equal(0.0136, json.GetProperty("request_time").GetDouble());
        Assert.Equal((52, 7), (json.GetProperty("bytes_sent").GetInt64(), json.GetProperty("bytes_received").GetInt64()));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("referer").ValueKind);

        var admin = JsonDocument.Parse(lines[1]).RootElement;
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null, JsonValueKind.Null, 0),
            (admin.GetProperty("key").ValueKind, admin.GetProperty("replica").ValueKind, admin.GetProperty("upstream_time").ValueKind, admin.GetProperty("attempts").GetInt32()));
    }

    [Fact]
    public void A_combined_line_is_nginx_combined_with_the_gateways_fields_after_it()
    {
        var output = new ArrayBufferWriter<byte>();
        var entry = Entry(AccessLogFormat.Combined);
        entry.Key = "user \"7\"";
        CombinedAccessLine.Write(entry, output);
        Assert.Equal(
            "203.0.113.7 - - [07/Dec/2026:04:05:06 +0000] \"GET /files/%C3%A4%20b%22 HTTP/1.1\" 200 52 \"-\" \"curl/8.5.0\" "
            + "key=\"user \\x227\\x22\" replica=\"Server 2\" attempts=2 upstream_time=0.012 request_time=0.014 bytes_received=7\n",
            Encoding.ASCII.GetString(output.WrittenSpan));
    }
}
