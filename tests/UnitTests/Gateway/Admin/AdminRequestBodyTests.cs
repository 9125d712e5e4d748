using System.Text;
using Orleans.LoadBalancer.Replicas;

using Orleans.LoadBalancer.Gateway.Admin;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Admin;

/// <summary>The bodies of <c>/add</c> and <c>/rm</c> as the gateway reads them, without a cluster.</summary>
public sealed class AdminRequestBodyTests
{
    private const string NameRule = "(1 to 63 printable characters, no '/', not '.' or '..', no control or format characters, no leading or trailing white space)";

    [Theory]
    [InlineData("""{"n": 2147483647}""", "'n' must be between 1 and 1024")]
    [InlineData("""{"n": 2147483648}""", "'n' must be between 1 and 1024")]
    [InlineData("""{"n": 1e30}""", "'n' must be between 1 and 1024")]
    [InlineData("""{"n": 1E+99999999999999999999}""", "'n' must be between 1 and 1024")]
    [InlineData("""{"n": 1025}""", "'n' must be between 1 and 1024")]
    [InlineData("""{"n": 10250e-1}""", "'n' must be between 1 and 1024")]
    [InlineData("""{"n": -1}""", "'n' must be a positive integer")]
    [InlineData("""{"n": -1e30}""", "'n' must be a positive integer")]
    [InlineData("""{"n": 0}""", "'n' must be a positive integer")]
    [InlineData("""{"n": -0.0}""", "'n' must be a positive integer")]
    [InlineData("""{"n": 0e99999}""", "'n' must be a positive integer")]
    [InlineData("""{"n": 1.5}""", "'n' must be an integer")]
    [InlineData("""{"n": -1.5}""", "'n' must be an integer")]
    [InlineData("""{"n": 1e-1}""", "'n' must be an integer")]
    [InlineData("""{"n": 1e-99999999999}""", "'n' must be an integer")]
    [InlineData("""{"n": 1.0000000000000000000001}""", "'n' must be an integer")]
    [InlineData("""{"n": "1"}""", "'n' must be an integer")]
    [InlineData("""{"n": true}""", "'n' must be an integer")]
    [InlineData("""{"n": null}""", "'n' must be an integer")]
    [InlineData("""{"n": [1]}""", "'n' must be an integer")]
    [InlineData("""{"n": {"n": 1}}""", "'n' must be an integer")]
    [InlineData("""{"hostnames": []}""", "'n' is required")]
    [InlineData("""{"N": 1}""", "'n' is required")]
    [InlineData("""{"n": 1, "n": 1}""", "'n' is given more than once")]
    [InlineData("""{"n": 1, "hostnames": [], "hostnames": []}""", "'hostnames' is given more than once")]
    [InlineData("""{"n": 1, "hostnames": "a"}""", "'hostnames' must be a list of names")]
    [InlineData("""{"n": 1, "hostnames": {"a": "b"}}""", "'hostnames' must be a list of names")]
    [InlineData("""{"n": 2, "hostnames": ["a", 5]}""", "'hostnames' must be a list of names")]
    [InlineData("""{"n": 2, "hostnames": ["a", null]}""", "'hostnames' must be a list of names")]
    [InlineData("""{"n": 2, "hostnames": ["a", ["b"]]}""", "'hostnames' must be a list of names")]
    [InlineData("""{"n": 1, "hostnames": ["S5", "S4"]}""", "Length of hostname list is more than newly added instances")]
    [InlineData("""{"n": 2, "hostnames": ["dup", "dup"]}""", "Hostname 'dup' is given more than once")]
    [InlineData("""{"n": 1, "hostnames": ["nl\n"]}""", $"""Hostname 'nl\n' is not a valid name {NameRule}""")]
    [InlineData("""{"n": 1, "hostnames": ["a\tb"]}""", $"""Hostname 'a\tb' is not a valid name {NameRule}""")]
    [InlineData("""{"n": 1, "hostnames": ["nul\u0000"]}""", $"""Hostname 'nul\u0000' is not a valid name {NameRule}""")]
    [InlineData("""{"n": 1, "hostnames": ["\ud800"]}""", $"""Hostname '\uD800' is not a valid name {NameRule}""")]
    [InlineData("""{"n": 1, "hostnames": ["x\udc00y"]}""", $"""Hostname 'x\uDC00y' is not a valid name {NameRule}""")]
    [InlineData("""{"n": 1, "hostnames": ["\ud800 \b\f\n\r\t\/\"\\ \u0041"]}""", $"""Hostname '\uD800 \b\f\n\r\t/\"\\ A' is not a valid name {NameRule}""")]
    [InlineData("""{"n": 1, "hostnames": ["bidi\u202e"]}""", $"""Hostname 'bidi\u202E' is not a valid name {NameRule}""")]
    [InlineData("""{"n": 1, "hostnames": [" lead"]}""", $"""Hostname ' lead' is not a valid name {NameRule}""")]
    [InlineData("""{"n": 1, "hostnames": [""]}""", $"""Hostname '' is not a valid name {NameRule}""")]
    [InlineData("""[1, 2]""", "Request body must be a JSON object like {\"n\": 1, \"hostnames\": []}")]
    [InlineData("""2""", "Request body must be a JSON object like {\"n\": 1, \"hostnames\": []}")]
    [InlineData("""null""", "Request body must be a JSON object like {\"n\": 1, \"hostnames\": []}")]
    [InlineData("", "Request body is not valid JSON")]
    [InlineData("   ", "Request body is not valid JSON")]
    [InlineData("""{"n": 1, "hostnames": [""", "Request body is not valid JSON")]
    [InlineData("""{"n": 1} {"n": 1}""", "Request body is not valid JSON")]
    [InlineData("""{"n": 1,}""", "Request body is not valid JSON")]
    [InlineData("""{"n": 1 /* two */}""", "Request body is not valid JSON")]
    [InlineData("""{"n": 01}""", "Request body is not valid JSON")]
    [InlineData("{\"n\": 1, \"hostnames\": [\"raw\u0001\"]}", "Request body is not valid JSON")]
    [InlineData("{\"n\": 1, \"hostnames\": [\"raw\n\"]}", "Request body is not valid JSON")]
    [InlineData("""{"n": 1, "hostnames": ["bad \x"]}""", "Request body is not valid JSON")]
    [InlineData("""{"n": 1, "hostnames": ["bad \u12"]}""", "Request body is not valid JSON")]
    public void Bad_bodies_are_rejected_with_the_seeds_words(string body, string error)
    {
        var (request, message) = AdminRequestBody.Read(Encoding.UTF8.GetBytes(body), AdminOperation.Add);

        Assert.Null(request);
        Assert.Equal(error, message);
    }

    [Fact]
    public void More_names_than_n_is_worded_as_the_seed_words_it_for_each_operation()
    {
        var body = """{"n": 1, "hostnames": ["Server 1", "Server 2"]}"""u8.ToArray();

        Assert.Equal("Length of hostname list is more than newly added instances", AdminRequestBody.Read(body, AdminOperation.Add).Error);
        Assert.Equal("Length of hostname list is more than removable instances", AdminRequestBody.Read(body, AdminOperation.Remove).Error);
    }

    [Theory]
    [InlineData("""{"n": 1}""", 1, new string[0])]
    [InlineData("""{"n": 2, "hostnames": null}""", 2, new string[0])]
    [InlineData("""{"n": 3, "hostnames": ["Server 3", "api.v2", "Zoë"]}""", 3, new[] { "Server 3", "api.v2", "Zoë" })]
    [InlineData("""{"hostnames": ["b", "a"], "n": 2, "other": {"deep": [1, 2]}}""", 2, new[] { "b", "a" })]
    [InlineData("""{"n": 2.0e0}""", 2, new string[0])]
    [InlineData("""{"n": 1024}""", 1024, new string[0])]
    [InlineData("""{"n": 0.1024e4}""", 1024, new string[0])]
    [InlineData("""{"n": 1, "hostnames": ["\u005A\u006f\u00eb \"q\" \\ % \ud83d\ude00"]}""", 1, new[] { "Zoë \"q\" \\ % 😀" })]
    [InlineData("\uFEFF{\"n\": 1}", 1, new string[0])]
    [InlineData("""{"\ud800": 1, "\u006e": 1}""", 1, new string[0])]
    public void Good_bodies_are_read_exactly(string body, int count, string[] hostnames)
    {
        var (request, error) = AdminRequestBody.Read(Encoding.UTF8.GetBytes(body), AdminOperation.Add);

        Assert.Null(error);
        Assert.NotNull(request);
        Assert.Equal(count, request.Count);
        Assert.Equal(hostnames, request.Hostnames);
    }

    [Fact]
    public void A_name_of_63_characters_is_accepted_and_one_of_64_is_not()
    {
        var ok = new string('a', 63);
        var tooLong = new string('a', 64);

        Assert.Null(AdminRequestBody.Read(Encoding.UTF8.GetBytes($$"""{"n": 1, "hostnames": ["{{ok}}"]}"""), AdminOperation.Add).Error);
        Assert.Equal(
            $"Hostname '{tooLong}' is not a valid name {NameRule}",
            AdminRequestBody.Read(Encoding.UTF8.GetBytes($$"""{"n": 1, "hostnames": ["{{tooLong}}"]}"""), AdminOperation.Add).Error);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]
    public void Invalid_utf8_inside_a_string_is_rejected(byte[] bad)
    {
        byte[] body = [.. "{\"n\": 1, \"hostnames\": [\"a"u8, .. bad, .. "\"]}"u8];

        var (request, error) = AdminRequestBody.Read(body, AdminOperation.Add);

        Assert.Null(request);
        Assert.Equal("Request body is not valid UTF-8", error);
    }

    [Fact]
    public void Invalid_utf8_in_an_ignored_member_is_rejected_too()
    {
        byte[] body = [.. "{\"n\": 1, \"x\": \""u8, 0xFF, .. "\"}"u8];

        Assert.Equal("Request body is not valid UTF-8", AdminRequestBody.Read(body, AdminOperation.Add).Error);
    }

    [Fact]
    public void Deep_nesting_is_rejected_at_once()
    {
        var deep = Encoding.UTF8.GetBytes("""{"n": 1, "x": """ + new string('[', 50_000) + new string(']', 50_000) + "}");
        var justDeepEnough = Encoding.UTF8.GetBytes("""{"n": 1, "x": """ + new string('[', 7) + new string(']', 7) + "}");

        var (request, error) = AdminRequestBody.Read(deep, AdminOperation.Add);

        // Refused by its depth, not after walking it all: the reader stops at the ninth level.
        Assert.Null(request);
        Assert.Equal("Request body nests deeper than 8 levels", error);
        Assert.Null(AdminRequestBody.Read(justDeepEnough, AdminOperation.Add).Error);
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(7);
        var seeds = new[] { """{"n": 2, "hostnames": ["Server 3", "\ud800x", "a\u0041"]}"""u8.ToArray(), """{"n": 1e3}"""u8.ToArray() };
        for (var i = 0; i < 20_000; i++)
        {
            var body = seeds[i % seeds.Length].ToArray();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                body[random.Next(body.Length)] = (byte)random.Next(256);
            }

            var (request, error) = AdminRequestBody.Read(body, AdminOperation.Add);
            Assert.NotEqual(request is null, error is null);
            if (request is not null)
            {
                Assert.InRange(request.Count, 1, ReplicaSetRules.MaxReplicas);
                Assert.All(request.Hostnames, h => Assert.True(ReplicaNames.IsValid(h)));
            }
        }
    }
}
