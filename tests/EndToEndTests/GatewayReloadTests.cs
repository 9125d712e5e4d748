using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// A running gateway takes new settings from its <c>appsettings.json</c> (on change, or on <c>SIGHUP</c>), keeps its
/// settings when the new ones are wrong, and loses no request while it does.
/// </summary>
public sealed class GatewayReloadTests(GatewayReloadTests.Fixture fixture) : IClassFixture<GatewayReloadTests.Fixture>
{
    private const string Applied = "Reloaded settings applied: ";

    [Fact]
    public async Task A_changed_settings_file_changes_the_key_source_and_balance_factor_of_the_running_gateway()
    {
        using var file = new GatewayConfigFile();
        var gateway = await fixture.Cluster.StartGatewayAsync(file.GatewaySettings());
        var (headerKey, headerReplica, queryKey, queryReplica) = await TwoKeysOnDifferentReplicasAsync(gateway);
        Assert.Equal(headerReplica, await LandsOnAsync(gateway, headerKey, queryKey));

        file.Write(settings =>
        {
            settings["Gateway"]!["KeySources"] = QueryThenHeader();
            settings["Gateway"]!["RequestIdHeader"] = "X-Key";
            settings["Routing"] = new JsonObject { ["BalanceFactor"] = 1.25 };
        });

        await Eventually.TrueAsync(async () => await LandsOnAsync(gateway, headerKey, queryKey) == queryReplica, TimeSpan.FromSeconds(30), "the query key should route");
        await LoggedAsync(gateway, Applied + "Gateway:KeySources: the X-Request-Id header → query user, header X-Request-Id; Routing:BalanceFactor: 0 (off) → 1.25");
        await LoggedAsync(gateway, "so the gateway needs a restart to use them: Gateway:RequestIdHeader");
        // A request without the query parameter still routes by its header: the rest of the chain applies too.
        Assert.Equal(headerReplica, await LandsOnAsync(gateway, headerKey, query: null));
        Assert.False(gateway.Process.HasExited);
    }

    [Fact]
    public async Task SIGHUP_makes_a_gateway_that_does_not_watch_its_files_read_them_again_also_one_started_under_nohup()
    {
        using var file = new GatewayConfigFile();
        // nohup starts it with SIGHUP ignored, which .NET alone would keep: the gateway takes the signal back.
        var gateway = await fixture.Cluster.StartGatewayAsync(file.GatewaySettings(watch: false), launcher: [ExternalTool.Require("nohup")]);
        await LoggedAsync(gateway, "SIGHUP was ignored when the gateway started (nohup)");
        var (headerKey, headerReplica, queryKey, queryReplica) = await TwoKeysOnDifferentReplicasAsync(gateway);

        file.Write(settings => settings["Gateway"]!["KeySources"] = QueryThenHeader());

        // Nothing reads the file until the signal: a watching gateway would have applied it well within this second.
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(headerReplica, await LandsOnAsync(gateway, headerKey, queryKey));
            await Task.Delay(50);
        }

        Assert.DoesNotContain(Applied, gateway.Process.Output);

        Hangup(gateway.Process);

        await Eventually.TrueAsync(async () => await LandsOnAsync(gateway, headerKey, queryKey) == queryReplica, TimeSpan.FromSeconds(30), "SIGHUP should apply the file");
        await LoggedAsync(gateway, Applied);
        var output = gateway.Process.Output;
        Assert.True(
            output.IndexOf("SIGHUP: reading the configuration again", StringComparison.Ordinal) < output.IndexOf(Applied, StringComparison.Ordinal),
            output);
        Assert.False(gateway.Process.HasExited);
    }

    [Fact]
    public async Task A_reload_with_a_wrong_setting_or_an_unreadable_file_keeps_the_running_settings_and_says_why()
    {
        using var file = new GatewayConfigFile();
        var gateway = await fixture.Cluster.StartGatewayAsync(file.GatewaySettings());
        var (headerKey, headerReplica, queryKey, queryReplica) = await TwoKeysOnDifferentReplicasAsync(gateway);

        file.Write(settings =>
        {
            settings["Gateway"]!["KeySources"] = QueryThenHeader();
            settings["Routing"] = new JsonObject { ["BalanceFactor"] = 0.5 };
        });

        const string rejected = "Reloaded settings rejected, the running ones stay: Routing:BalanceFactor: BalanceFactor must be above 1 (or 0 for off), not 0.5";
        await LoggedAsync(gateway, rejected);
        // All or nothing: the valid key sources in the same file were not taken either.
        Assert.Equal(headerReplica, await LandsOnAsync(gateway, headerKey, queryKey));

        file.WriteText("""{ "Gateway": { "KeySources": [ """);
        await LoggedAsync(gateway, "Could not read appsettings.json, the running settings stay: ");
        Hangup(gateway.Process);
        Assert.Equal(headerReplica, await LandsOnAsync(gateway, headerKey, queryKey));

        // Reloading still works after both failures.
        file.Write(settings =>
        {
            settings["Gateway"]!["KeySources"] = QueryThenHeader();
            settings["Routing"] = new JsonObject { ["BalanceFactor"] = 1.25 };
        });

        await Eventually.TrueAsync(async () => await LandsOnAsync(gateway, headerKey, queryKey) == queryReplica, TimeSpan.FromSeconds(30), "a valid file should apply");
        await LoggedAsync(gateway, Applied + "Gateway:KeySources: the X-Request-Id header → query user, header X-Request-Id; Routing:BalanceFactor: 0 (off) → 1.25");
        Assert.DoesNotContain("   at ", gateway.Process.Output);
    }

    [Fact]
    public async Task SIGHUP_rotates_the_admin_key_and_names_the_changed_settings_that_need_a_restart()
    {
        const string oldKey = "old-admin-key-7d1";
        const string newKey = "new-admin-key-9c4";
        using var file = new GatewayConfigFile();
        file.Write(settings => settings["Admin"]!["ApiKey"] = oldKey);
        var gateway = await fixture.Cluster.StartGatewayAsync(file.GatewaySettings(watch: false));
        Assert.Equal(HttpStatusCode.BadRequest, await AddWithKeyAsync(gateway, oldKey));
        Assert.Equal(HttpStatusCode.Unauthorized, await AddWithKeyAsync(gateway, newKey));

        file.Write(settings =>
        {
            settings["Admin"]!["ApiKey"] = newKey;
            settings["Admin"]!["Urls"] = $"http://127.0.0.1:{FreePort.Next()}";
            settings["AllowedHosts"] = "lb.test";
        });
        Hangup(gateway.Process);

        await LoggedAsync(gateway, Applied + "Admin:ApiKey: changed");
        await LoggedAsync(gateway, "so the gateway needs a restart to use them: Admin:Urls, AllowedHosts");
        Assert.Equal(HttpStatusCode.Unauthorized, await AddWithKeyAsync(gateway, oldKey));
        Assert.Equal(HttpStatusCode.BadRequest, await AddWithKeyAsync(gateway, newKey));
        Assert.DoesNotContain(oldKey, gateway.Process.Output);
        Assert.DoesNotContain(newKey, gateway.Process.Output);
    }

    [Fact]
    public async Task Reloads_under_a_steady_load_lose_no_request()
    {
        const int requests = 20_000;
        using var file = new GatewayConfigFile();
        var gateway = await fixture.Cluster.StartGatewayAsync(file.GatewaySettings());

        var load = LoadRun.Start(gateway, requests, clients: 16, cap: TimeSpan.FromSeconds(120), out var running);
        await Eventually.TrueAsync(() => Task.FromResult(load.Completed > 500), TimeSpan.FromSeconds(60), "the load should be under way");

        var appliedDuringLoad = 0;
        for (var reload = 1; reload <= 8 && !running.IsCompleted; reload++)
        {
            var odd = reload % 2 == 1;
            file.Write(settings =>
            {
                settings["Gateway"]!["KeySources"] = odd ? QueryThenHeader() : new JsonArray();
                settings["Gateway"]!["RetryAttempts"] = odd ? 1 : 2;
                settings["Gateway"]!["ReplicaTimeout"] = odd ? "00:00:20" : "00:00:30";
                settings["Gateway"]!["SuspectFor"] = odd ? "00:00:02" : "00:00:03";
                settings["Routing"] = new JsonObject { ["BalanceFactor"] = odd ? 1.25 : 0 };
            });
            if (!odd)
            {
                Hangup(gateway.Process);
            }

            await Eventually.TrueAsync(() => Task.FromResult(Count(gateway.Process.Output, Applied) == reload), TimeSpan.FromSeconds(30), $"reload {reload} should apply");
            if (!running.IsCompleted)
            {
                appliedDuringLoad++;
            }
        }

        await running;

        Assert.True(appliedDuringLoad >= 4, $"only {appliedDuringLoad} reloads applied while the load ran");
        Assert.Equal(requests, load.Completed);
        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} failed, e.g. {string.Join("; ", load.Failures.Take(5))}");
    }

    /// <summary>An <c>/add</c> the cluster refuses (more names than replicas): 400 once past the key check, 401 before it.</summary>
    private static async Task<HttpStatusCode> AddWithKeyAsync(GatewayEndpoint gateway, string key)
    {
        using var response = await gateway.AddAsync("""{"n": 1, "hostnames": ["a", "b"]}""", key);
        return response.StatusCode;
    }

    private static JsonArray QueryThenHeader() =>
    [
        new JsonObject { ["Type"] = "Query", ["Name"] = "user" },
        new JsonObject { ["Type"] = "Header", ["Name"] = "X-Request-Id" },
    ];

    /// <summary>Two keys the ring puts on different replicas, as routed by the request id header.</summary>
    private static async Task<(string, string, string, string)> TwoKeysOnDifferentReplicasAsync(GatewayEndpoint gateway)
    {
        var first = "100001";
        var firstReplica = await gateway.RouteAsync(first);
        for (var key = 100_002; key < 100_200; key++)
        {
            var text = key.ToString(CultureInfo.InvariantCulture);
            var replica = await gateway.RouteAsync(text);
            if (replica != firstReplica)
            {
                return (first, firstReplica, text, replica);
            }
        }

        throw new InvalidOperationException("Every key landed on one replica");
    }

    private static async Task<string> LandsOnAsync(GatewayEndpoint gateway, string header, string? query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, query is null ? "/home" : $"/home?user={query}");
        request.Headers.Add("X-Request-Id", header);
        using var response = await gateway.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return response.Headers.GetValues("X-Replica").Single();
    }

    /// <summary>Waits for <paramref name="text"/> in the gateway's log, which is written a little after what it reports.</summary>
    private static Task LoggedAsync(GatewayEndpoint gateway, string text) => Eventually.TrueAsync(
        () => Task.FromResult(gateway.Process.Output.Contains(text, StringComparison.Ordinal)), TimeSpan.FromSeconds(30), $"the gateway should log \"{text}\"");

    private static void Hangup(ManagedProcess process)
    {
        var start = new ProcessStartInfo(ExternalTool.Require("kill")) { UseShellExecute = false };
        start.ArgumentList.Add("-HUP");
        start.ArgumentList.Add(process.Id.ToString(CultureInfo.InvariantCulture));
        using var kill = Process.Start(start)!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static int Count(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>One cluster (a silo, three replicas, a gateway) for every test here; each test starts a gateway of its own.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public LoadBalancerCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync() => Cluster = await LoadBalancerCluster.StartAsync();

        public async Task DisposeAsync() => await Cluster.DisposeAsync();
    }
}
