using System.Text;
using Orleans.LoadBalancer.Gateway.Admin;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Admin;

/// <summary>The body of <c>PUT /replicas/{name}/weight</c>.</summary>
public sealed class ReplicaWeightBodyTests
{
    [Theory]
    [InlineData("""{"weight": 3}""", 3)]
    [InlineData("""{"weight":1}""", 1)]
    [InlineData("""  {"weight": 100}  """, 100)]
    public void A_whole_weight_from_1_to_100_is_taken(string body, int weight) =>
        Assert.Equal((weight, (string?)null), ReplicaWeightBody.Read(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("""{"weight": 0}""", "from 1 to 100, not 0")]
    [InlineData("""{"weight": 101}""", "from 1 to 100, not 101")]
    [InlineData("""{"weight": -3}""", "from 1 to 100")]
    [InlineData("""{"weight": 2.5}""", "integer")]
    [InlineData("""{"weight": 3.0}""", "integer")]
    [InlineData("""{"weight": "3"}""", "integer")]
    [InlineData("""{"weight": null}""", "integer")]
    [InlineData("""{"weight": 1e10}""", "integer")]
    [InlineData("""{"weight": 3, "weight": 4}""", "more than once")]
    [InlineData("""{"weight": 3, "colour": 1}""", "Unknown field 'colour'")]
    [InlineData("""{}""", "missing")]
    [InlineData("""[3]""", "JSON object")]
    [InlineData("""3""", "JSON object")]
    [InlineData("""{"weight": 3} {}""", "not valid JSON")]
    [InlineData("""{"weight": 3""", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    public void Anything_else_is_refused_with_a_reason(string body, string reason)
    {
        var (_, error) = ReplicaWeightBody.Read(Encoding.UTF8.GetBytes(body));
        Assert.NotNull(error);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void An_unknown_field_is_named_even_when_its_name_escapes_a_lone_surrogate() =>
        Assert.Equal(
            "Unknown field '\ud800': Request body must be a JSON object like {\"weight\": 3}",
            ReplicaWeightBody.Read(Encoding.UTF8.GetBytes("""{"weight": 3, "\ud800": 1}""")).Error);

    [Fact]
    public void Invalid_utf8_and_deep_nesting_are_refused()
    {
        Assert.Contains("UTF-8", ReplicaWeightBody.Read(new byte[] { 0x7B, 0xFF, 0x7D }).Error);
        Assert.NotNull(ReplicaWeightBody.Read(Encoding.UTF8.GetBytes("{\"weight\":" + new string('[', 100) + new string(']', 100) + "}")).Error);
    }

    [Theory]
    [InlineData("/replicas/Server 1/weight", true)]
    [InlineData("/REPLICAS/s4/Weight", true)]
    [InlineData("/replicas/s4/state", true)]
    [InlineData("/replicas//weight", false)]
    [InlineData("/replicas/s4/weights", false)]
    [InlineData("/replicas/a/b/weight", false)]
    [InlineData("/replicas", false)]
    [InlineData("/home/replicas/s4/weight", false)]
    public void Only_replica_weight_and_state_paths_are_the_gateways_own(string path, bool own) =>
        Assert.Equal(own, AdminEndpoints.IsReplicaAction(path));
}
