using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// The example production configuration (<c>deploy/production/</c>) does what its README says, run by a real silo and
/// gateway: TLS traffic routed by the cookie, the admin API only on its listener and only with the key, no
/// <c>/metrics</c> on the traffic port, 404s passed through, an access log.
/// </summary>
public sealed partial class ProductionConfigurationTests(ProductionConfigurationFixture fixture) : IClassFixture<ProductionConfigurationFixture>
{
    private const string AddBody = """{"n": 0}""";
    private static readonly string[] Files = ["silo.env", "gateway.env"];

    [Fact]
    public async Task Check_config_passes_both_files_and_fails_a_wrong_value_and_a_certificate_not_filled_in()
    {
        var traffic = fixture.Settings("gateway.env")["Urls"];
        var checks = await Task.WhenAll(
            ProductionConfigurationFixture.CheckAsync("silo", fixture.Settings("silo.env")),
            ProductionConfigurationFixture.CheckAsync("gateway", fixture.Settings("gateway.env")),
            ProductionConfigurationFixture.CheckAsync("gateway", fixture.Settings("gateway.env",
                text => text.Replace("Gateway__AccessLog__Format=json", "Gateway__AccessLog__Format=jsonl", StringComparison.Ordinal))),
            ProductionConfigurationFixture.CheckAsync("gateway", ShippedCertificatePaths(fixture.Settings("gateway.env"))));

        Assert.True(checks[0].Exit == 0, checks[0].Output);
        Assert.Contains("silo: configuration OK", checks[0].Output, StringComparison.Ordinal);
        Assert.True(checks[1].Exit == 0, checks[1].Output);
        Assert.Contains($"gateway: configuration OK (traffic on {traffic}, admin API on http://127.0.0.1:", checks[1].Output, StringComparison.Ordinal);

        Assert.True(checks[2].Exit == 1, checks[2].Output);
        Assert.Contains("Gateway:AccessLog:Format", checks[2].Output, StringComparison.Ordinal);
        Assert.True(checks[3].Exit == 1, checks[3].Output);
        Assert.Contains("gateway: Kestrel: ", checks[3].Output, StringComparison.Ordinal);
        Assert.Contains("/etc/orleans-lb/tls/gateway.crt", checks[3].Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Traffic_over_tls_sticks_to_the_issued_cookie_passes_404s_through_and_is_logged()
    {
        // No cookie: the gateway makes up a key and issues it as the cookie; with it, every request goes to that replica.
        using var first = await fixture.Traffic.GetAsync("/home");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var issued = first.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("lb-session=", StringComparison.Ordinal));
        Assert.Contains("; secure", issued, StringComparison.OrdinalIgnoreCase);
        var cookie = issued.Split(';')[0];
        var replica = first.Headers.GetValues("X-Replica").Single();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(replica, await ReplicaForAsync("/home", cookie));
        }

        // The cookie is the key: other values spread over the replicas, each always to the same one.
        var routes = new Dictionary<string, string>();
        for (var i = 0; i < 30; i++)
        {
            routes[$"lb-session=user-{i}"] = await ReplicaForAsync("/home", $"lb-session=user-{i}");
        }

        Assert.True(routes.Values.Distinct().Count() >= 2, string.Join(", ", routes.Values));
        foreach (var (key, owner) in routes.Take(10))
        {
            Assert.Equal(owner, await ReplicaForAsync("/home", key));
        }

        using var missing = new HttpRequestMessage(HttpMethod.Get, "/no-such-page") { Headers = { { "Cookie", cookie } } };
        using var notFound = await fixture.Traffic.SendAsync(missing);
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(replica, notFound.Headers.GetValues("X-Replica").Single());

        await Eventually.TrueAsync(() => Task.FromResult(AccessLogLine().IsMatch(fixture.Gateway.Output)), TimeSpan.FromSeconds(5),
            "the access log has a JSON line for the 404");
    }

    [Fact]
    public async Task The_admin_api_and_metrics_answer_only_on_their_listener_and_changes_only_with_the_key()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await AddAsync(fixture.Admin, key: null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await AddAsync(fixture.Admin, key: "not-the-key")).Status);
        // With the key the body is read, and refused on its own merits (n must be at least 1): nothing changes.
        var (status, body, _) = await AddAsync(fixture.Admin, fixture.ApiKey);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'n'", body, StringComparison.Ordinal);

        // On the traffic port the same request, key and all, is a replica's business.
        var proxied = await AddAsync(fixture.Traffic, fixture.ApiKey);
        Assert.NotNull(proxied.Replica);

        using var metrics = await fixture.Admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("lb_ring_version", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var path in new[] { "/metrics", "/rep", "/replicas" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "X-Request-Id", "42" } } };
            using var response = await fixture.Traffic.SendAsync(request);
            Assert.True(response.Headers.Contains("X-Replica"), $"{path} on the traffic port was answered by the gateway itself");
            Assert.DoesNotContain("lb_ring_version", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_setting_is_documented_and_no_key_is_committed()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var own = File.ReadAllText(Path.Combine(ProductionConfigurationFixture.Folder, "README.md"));
        foreach (var file in Files)
        {
            var settings = EnvironmentFile.Read(Path.Combine(ProductionConfigurationFixture.Folder, file));
            Assert.Equal("", settings.Single(s => s.Key == "Admin__ApiKey").Value);
            Assert.Contains($"`{file}`", own, StringComparison.Ordinal);
            Assert.All(settings, s => Assert.True(IsDocumented(readme, s.Key), $"{file}: {s.Key} is not a setting the README documents"));
        }

        // A misspelt name is read by no program and silently ignored: here it is found.
        Assert.False(IsDocumented(readme, "Gateway__RewriteNotFund"));
        Assert.False(IsDocumented(readme, "Kestrel__Certificates__Default__KeyPth"));
    }

    /// <summary>
    /// Whether the README's configuration documents <paramref name="variable"/> (<c>A__B__C</c>): as <c>`A:B:C`</c>, as
    /// <c>`:C`</c> on a line naming another <c>`A:B:…`</c>, or, inside a list (<c>A__B__0__C</c>), as <c>`A:B`</c>.
    /// </summary>
    private static bool IsDocumented(string readme, string variable)
    {
        var segments = variable.Split("__");
        var index = Array.FindIndex(segments, s => s.All(char.IsAsciiDigit));
        var key = string.Join(':', index < 0 ? segments : segments[..index]);
        if (readme.Contains($"`{key}`", StringComparison.Ordinal))
        {
            return true;
        }

        var last = key.LastIndexOf(':');
        return last > 0 && readme.Split('\n').Any(line =>
            line.Contains($"`{key[..(last + 1)]}", StringComparison.Ordinal) && line.Contains($"`{key[last..]}`", StringComparison.Ordinal));
    }

    private async Task<string> ReplicaForAsync(string path, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Cookie", cookie } } };
        using var response = await fixture.Traffic.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return response.Headers.GetValues("X-Replica").Single();
    }

    private static async Task<(HttpStatusCode Status, string Body, string? Replica)> AddAsync(HttpClient client, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/add") { Content = new StringContent(AddBody, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Authorization = ProductionConfigurationFixture.Bearer(key);
        }

        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(),
            response.Headers.TryGetValues("X-Replica", out var replica) ? replica.Single() : null);
    }

    /// <summary>The settings with the certificate paths as shipped: files an operator has not installed yet.</summary>
    private static Dictionary<string, string> ShippedCertificatePaths(Dictionary<string, string> settings)
    {
        var shipped = EnvironmentFile.Read(Path.Combine(ProductionConfigurationFixture.Folder, "gateway.env")).ToDictionary();
        foreach (var key in new[] { "Kestrel__Certificates__Default__Path", "Kestrel__Certificates__Default__KeyPath" })
        {
            settings[key] = shipped[key];
        }

        return settings;
    }

    [GeneratedRegex("""^\{"time":"[^"]+",.*"method":"GET","path":"/no-such-page",.*"status":404,""", RegexOptions.Multiline)]
    private static partial Regex AccessLogLine();
}
