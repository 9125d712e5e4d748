using System.Text;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.UnitTests.Grains.Interfaces.Replicas;

/// <summary><c>POST /add</c>'s weight and its <c>replicas</c> form (existing backends by address), without a cluster.</summary>
public sealed class ExternalReplicaRequestTests
{
    private const string AddressRule = "an absolute http or https URI like http://10.0.0.7:8080, with a host and no user info, path, query or fragment";

    [Theory]
    [InlineData("""{"n": 2, "weight": 3}""", 3)]
    [InlineData("""{"weight": 100, "n": 1}""", 100)]
    [InlineData("""{"n": 1, "weight": 1}""", 1)]
    [InlineData("""{"n": 1}""", 1)]
    public void The_seeds_body_takes_a_weight_for_every_new_replica(string body, int weight)
    {
        var (request, error) = AdminRequestBody.Read(Encoding.UTF8.GetBytes(body), AdminOperation.Add);

        Assert.Null(error);
        Assert.Equal(weight, request!.Weight);
        Assert.Null(request.Replicas);
    }

    [Theory]
    [InlineData("""{"n": 1, "weight": 0}""", "'weight' must be an integer from 1 to 100, not 0")]
    [InlineData("""{"n": 1, "weight": 101}""", "'weight' must be an integer from 1 to 100, not 101")]
    [InlineData("""{"n": 1, "weight": -1}""", "'weight' must be an integer from 1 to 100, not -1")]
    [InlineData("""{"n": 1, "weight": "2"}""", "'weight' must be an integer from 1 to 100, not \"2\"")]
    [InlineData("""{"n": 1, "weight": 2.5}""", "'weight' must be an integer from 1 to 100, not 2.5")]
    [InlineData("""{"n": 1, "weight": 2.0}""", "'weight' must be an integer from 1 to 100, not 2.0")]
    [InlineData("""{"n": 1, "weight": 2e0}""", "'weight' must be an integer from 1 to 100, not 2e0")]
    [InlineData("""{"n": 1, "weight": 99999999999999999999}""", "'weight' must be an integer from 1 to 100, not 99999999999999999999")]
    [InlineData("""{"n": 1, "weight": null}""", "'weight' must be an integer from 1 to 100, not null")]
    [InlineData("""{"n": 1, "weight": true}""", "'weight' must be an integer from 1 to 100, not true")]
    [InlineData("""{"n": 1, "weight": [2]}""", "'weight' must be an integer from 1 to 100, not [2]")]
    [InlineData("""{"n": 1, "weight": {"w": 2}}""", "'weight' must be an integer from 1 to 100, not {\"w\": 2}")]
    [InlineData("""{"n": 1, "weight": 2, "weight": 2}""", "'weight' is given more than once")]
    public void A_bad_weight_is_rejected_naming_the_field(string body, string expected)
    {
        var (request, error) = AdminRequestBody.Read(Encoding.UTF8.GetBytes(body), AdminOperation.Add);

        Assert.Null(request);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Remove_ignores_weight_and_replicas_as_the_seed_ignores_other_members()
    {
        var (request, error) = AdminRequestBody.Read("""{"n": 1, "weight": 0, "replicas": 5}"""u8.ToArray(), AdminOperation.Remove);

        Assert.Null(error);
        Assert.Equal(1, request!.Count);
    }

    [Fact]
    public void Replicas_are_read_with_their_addresses_in_canonical_form_and_weight_1_by_default()
    {
        var body = """
            {"replicas": [
              {"name": "api-7", "address": "http://10.0.0.7:8080", "weight": 2},
              {"name": "Zoë", "address": "HTTPS://Backend.Example.COM/", "comment": "ignored"},
              {"address": "http://[::1]:80", "name": "v6"}
            ]}
            """;

        var (request, error) = AdminRequestBody.Read(Encoding.UTF8.GetBytes(body), AdminOperation.Add);

        Assert.Null(error);
        Assert.Equal(3, request!.Count);
        Assert.Equal(["api-7", "Zoë", "v6"], request.Hostnames);
        Assert.Equal(
            [ExternalReplicas.Of("api-7", "http://10.0.0.7:8080", 2), ExternalReplicas.Of("Zoë", "https://backend.example.com", 1), ExternalReplicas.Of("v6", "http://[::1]", 1)],
            request.Replicas!);
    }

    [Theory]
    [InlineData("""{"replicas": []}""", "'replicas' must list at least one replica")]
    [InlineData("""{"replicas": null}""", ExternalReplicaListBody.NotList)]
    [InlineData("""{"replicas": {"name": "a"}}""", ExternalReplicaListBody.NotList)]
    [InlineData("""{"replicas": ["a"]}""", ExternalReplicaListBody.NotList)]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1"}, 5]}""", ExternalReplicaListBody.NotList)]
    [InlineData("""{"replicas": [], "replicas": []}""", "'replicas' is given more than once")]
    [InlineData("""{"n": 1, "replicas": [{"name": "a", "address": "http://h:1"}]}""", "'replicas' cannot be combined with 'n', 'hostnames' or 'weight' (each entry has its own weight)")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1"}], "hostnames": []}""", "'replicas' cannot be combined with 'n', 'hostnames' or 'weight' (each entry has its own weight)")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1"}], "weight": 2}""", "'replicas' cannot be combined with 'n', 'hostnames' or 'weight' (each entry has its own weight)")]
    [InlineData("""{"replicas": [{"address": "http://h:1"}]}""", "'replicas[0].name' is required")]
    [InlineData("""{"replicas": [{"name": "a"}]}""", "'replicas[0].address' is required")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1"}, {"name": "b", "address": null}]}""", "'replicas[1].address' must be a string")]
    [InlineData("""{"replicas": [{"name": 5, "address": "http://h:1"}]}""", "'replicas[0].name' must be a string")]
    [InlineData("""{"replicas": [{"name": "a", "name": "b", "address": "http://h:1"}]}""", "'replicas[0].name' is given more than once")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "address": "http://h:2"}]}""", "'replicas[0].address' is given more than once")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "weight": 0}]}""", "'replicas[0].weight' must be an integer from 1 to 100, not 0")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "weight": 101}]}""", "'replicas[0].weight' must be an integer from 1 to 100, not 101")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "weight": "2"}]}""", "'replicas[0].weight' must be an integer from 1 to 100, not \"2\"")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "weight": 2.5}]}""", "'replicas[0].weight' must be an integer from 1 to 100, not 2.5")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "weight": 1, "weight": 1}]}""", "'replicas[0].weight' is given more than once")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1"}, {"name": "a", "address": "http://h:2"}]}""", "Hostname 'a' is given more than once")]
    [InlineData("""{"replicas": [{"name": " a", "address": "http://h:1"}]}""", "'replicas[0].name' ' a' is not a valid name (1 to 63 printable characters, no '/', not '.' or '..', no control or format characters, no leading or trailing white space)")]
    [InlineData("""{"replicas": [{"name": "\ud800", "address": "http://h:1"}]}""", "'replicas[0].name' '\\uD800' is not a valid name (1 to 63 printable characters, no '/', not '.' or '..', no control or format characters, no leading or trailing white space)")]
    [InlineData("""{"replicas": [{"name": "a", "address": "http://h:1", "x": [[[[[[[[1]]]]]]]]}]}""", "Request body nests deeper than 8 levels")]
    public void Bad_replica_lists_are_rejected_naming_the_entry_and_field(string body, string expected)
    {
        var (request, error) = AdminRequestBody.Read(Encoding.UTF8.GetBytes(body), AdminOperation.Add);

        Assert.Null(request);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("ftp://10.0.0.7:21")]
    [InlineData("file:///etc/passwd")]
    [InlineData("javascript:alert(1)")]
    [InlineData("10.0.0.7:8080")]
    [InlineData("//10.0.0.7:8080")]
    [InlineData("/relative")]
    [InlineData("http:10.0.0.7")]
    [InlineData("http:/10.0.0.7")]
    [InlineData("http://")]
    [InlineData("http://:8080")]
    [InlineData("http://user:pass@10.0.0.7:8080")]
    [InlineData("http://user@10.0.0.7")]
    [InlineData("http://10.0.0.7:8080/api")]
    [InlineData("http://10.0.0.7:8080/api/")]
    [InlineData("http://10.0.0.7/./")]
    [InlineData("http://10.0.0.7\\api")]
    [InlineData("http://10.0.0.7:8080?x=1")]
    [InlineData("http://10.0.0.7:8080/?x=1")]
    [InlineData("http://10.0.0.7:8080#frag")]
    [InlineData("http://10.0.0.7:0")]
    [InlineData("http://10.0.0.7:65536")]
    [InlineData("http://10.0.0.7:-1")]
    [InlineData("http://10.0.0.7:80a")]
    [InlineData(" http://10.0.0.7")]
    [InlineData("http://10.0.0.7 ")]
    [InlineData("http://10.0.0.7\n")]
    [InlineData("http://exa mple.com")]
    [InlineData("http://bücher.example")]
    [InlineData("http://10.0.0.7%2F")]
    [InlineData("")]
    public void Hostile_addresses_are_rejected_naming_the_field(string address)
    {
        var body = $$"""{"replicas": [{"name": "api-7", "address": {{System.Text.Json.JsonSerializer.Serialize(address)}}}]}""";

        var (request, error) = AdminRequestBody.Read(Encoding.UTF8.GetBytes(body), AdminOperation.Add);

        Assert.Null(request);
        Assert.StartsWith("'replicas[0].address' '", error);
        Assert.EndsWith($"' must be {AddressRule}", error);
    }

    [Fact]
    public void A_very_long_address_is_rejected_and_quoted_shortened()
    {
        var address = "http://" + new string('a', 5000) + ".example";

        var (_, error) = ReplicaAddresses.Normalize(address, "'address'");

        Assert.NotNull(error);
        Assert.True(error.Length < 400, error);
    }

    [Theory]
    [InlineData("http://10.0.0.7:8080", "http://10.0.0.7:8080")]
    [InlineData("http://10.0.0.7:80", "http://10.0.0.7")]
    [InlineData("https://10.0.0.7:443/", "https://10.0.0.7")]
    [InlineData("https://10.0.0.7:8443", "https://10.0.0.7:8443")]
    [InlineData("http://LOCALHOST:5000/", "http://localhost:5000")]
    [InlineData("http://[::1]:8080", "http://[::1]:8080")]
    public void Good_addresses_come_out_in_canonical_form(string address, string canonical)
    {
        Assert.Equal((canonical, null), ReplicaAddresses.Normalize(address, "'address'"));
    }

    [Fact]
    public void The_manager_checks_lists_again_with_the_same_rules()
    {
        Assert.Null(ReplicaSetRules.ValidateExternal([ExternalReplicas.Of("a", "http://h:1", 100)]));
        Assert.Equal("'replicas[0].weight' must be an integer from 1 to 100, not 0", ReplicaSetRules.ValidateExternal([ExternalReplicas.Of("a", "http://h:1", 0)]));
        Assert.StartsWith("'replicas[1].address' 'http://h:1/x'", ReplicaSetRules.ValidateExternal([ExternalReplicas.Of("a", "http://h:1"), ExternalReplicas.Of("b", "http://h:1/x")]));
        Assert.Equal("Hostname 'a' is given more than once", ReplicaSetRules.ValidateExternal([ExternalReplicas.Of("a", "http://h:1"), ExternalReplicas.Of("a", "http://h:2")]));
        Assert.Equal("'replicas' must list at least one replica", ReplicaSetRules.ValidateExternal([]));
        Assert.Equal(
            "'replicas' must list at most 1024 replicas",
            ReplicaSetRules.ValidateExternal(Enumerable.Range(0, 1025).Select(i => ExternalReplicas.Of($"r{i}", "http://h:1")).ToList()));
    }
}
