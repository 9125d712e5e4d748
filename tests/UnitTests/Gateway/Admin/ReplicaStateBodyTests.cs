using System.Text;
using Orleans.LoadBalancer.Gateway.Admin;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Admin;

/// <summary>The body of <c>PUT /replicas/{name}/state</c>.</summary>
public sealed class ReplicaStateBodyTests
{
    [Theory]
    [InlineData("""{"state": "drain"}""", "drain")]
    [InlineData("""{"state": "up", "why": ["maintenance"]}""", "up")]
    [InlineData("""{"state": "\u0064rain"}""", "drain")]
    [InlineData("""{"\ud800": 1, "st\u0061te": "up"}""", "up")]
    public void Drain_and_up_are_read(string body, string state) =>
        Assert.Equal((state, (string?)null), ReplicaStateBody.Read(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("""{"state": "sleep"}""", "'state' must be \"drain\" or \"up\"")]
    [InlineData("""{"state": "DRAIN"}""", "'state' must be \"drain\" or \"up\"")]
    [InlineData("""{"state": 1}""", "'state' must be \"drain\" or \"up\"")]
    [InlineData("""{"state": null}""", "'state' must be \"drain\" or \"up\"")]
    [InlineData("""{"state": "\ud800"}""", "'state' must be \"drain\" or \"up\"")]
    [InlineData("""{"state": "drain", "state": "up"}""", "'state' is given more than once")]
    [InlineData("""{}""", "'state' is required")]
    [InlineData("""["drain"]""", "Request body must be a JSON object like {\"state\": \"drain\"}")]
    [InlineData("""{"state": "drain""", "Request body is not valid JSON")]
    [InlineData("""{"state": "drain", "x": [[[[[[[[1]]]]]]]]}""", "Request body is not valid JSON")]
    [InlineData("\uFEFF{\"state\": \"drain\"}", "Request body is not valid JSON")]
    [InlineData("", "Request body is not valid JSON")]
    public void Anything_else_is_refused_with_a_reason(string body, string error) =>
        Assert.Equal((null, error), ReplicaStateBody.Read(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void Invalid_utf8_is_refused() =>
        Assert.Equal((null, "Request body is not valid UTF-8"), ReplicaStateBody.Read(new byte[] { 0x7B, 0xFF, 0x7D }));
}
