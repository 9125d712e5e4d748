using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// Replicas across separate hosts (Linux network namespaces, <see cref="HostNetwork"/>): Redis, three silos each hosting
/// replicas, two gateways, the load from the root namespace. One host dies, or is cut off and comes back; no request
/// fails, its replicas come back on the other hosts under the same names, and once healed no name is served from two hosts.
/// </summary>
public sealed class MultiHostTests(ITestOutputHelper output)
{
    private static readonly string[] Keys = Enumerable.Range(0, 120).Select(i => $"host-key-{i}").ToArray();
    /// <summary>How long a lost host's replicas may take to serve elsewhere: up to a minute measured on a busy machine (docs/hosts.md).</summary>
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(240);

    /// <summary>
    /// One cluster, both faults in turn (one start-up keeps the class near three minutes on a busy 2-core machine):
    /// host1 loses every process; once its replicas serve elsewhere, a supervisor starts its silo again; then host2's
    /// link is cut, and healed.
    /// </summary>
    [Fact]
    public async Task Hosts_that_die_or_are_cut_off_under_load_fail_no_request_their_replicas_return_elsewhere_under_their_names_and_no_name_is_served_twice()
    {
        var phase = Stopwatch.StartNew();
        await using var cluster = await MultiHostCluster.StartAsync();
        try
        {
            output.WriteLine($"cluster of 3 hosts and 2 gateways started in {phase.Elapsed.TotalSeconds:0.0} s");
            var (before, routes) = await SpreadSixAsync(cluster);

            // (a) A host dies: every process of host1 is killed under load.
            var lost = before.Where(r => r.Value.Host == "host1").Select(r => r.Key).ToList();
            var loads = cluster.Gateways.Select(g => SteadyLoad.Start(g, clients: 4, pauseMs: 5)).ToList();
            var clock = Stopwatch.StartNew();
            await cluster.Network.KillAllAsync("host1");
            await WaitRecoveredAsync(cluster, "host1", lost, routes);
            output.WriteLine($"kill every process of host1: its replicas {string.Join(", ", lost)} serve every key again on other hosts after {clock.Elapsed.TotalSeconds:0.0} s");
            await AssertNoFailureAsync(loads);
            await AssertEveryNameServedOnceAsync(cluster, TimeSpan.FromSeconds(30));

            // A supervisor starts host1's silo again: it rejoins as a new host, with no replicas.
            cluster.StartSilo("host1");
            await Eventually.TrueAsync(() => cluster.SiloReadyAsync("host1"), TimeSpan.FromSeconds(180), "host1's silo rejoins");

            // It hosts new replicas again: one replica fewer on each of the others and two more make 2/2/2 again.
            before = await cluster.ReplicasAsync();
            using (var removed = await cluster.RemoveAsync(before.First(r => r.Value.Host == "host2").Key, before.First(r => r.Value.Host == "host3").Key))
            {
                Assert.True(removed.StatusCode == HttpStatusCode.OK, await removed.Content.ReadAsStringAsync());
            }

            (before, routes) = await SpreadSixAsync(cluster);

            // (b) A host is cut off, alive: host2's link goes down under load.
            lost = before.Where(r => r.Value.Host == "host2").Select(r => r.Key).ToList();
            loads = cluster.Gateways.Select(g => SteadyLoad.Start(g, clients: 4, pauseMs: 5)).ToList();
            clock.Restart();
            await cluster.Network.CutAsync("host2");
            await WaitRecoveredAsync(cluster, "host2", lost, routes);
            output.WriteLine($"cut host2's link: its replicas {string.Join(", ", lost)} serve every key again on other hosts after {clock.Elapsed.TotalSeconds:0.0} s");
            await AssertNoFailureAsync(loads);

            // The cut lasts until the other silos have voted host2 out (its replicas may serve elsewhere well before that).
            await Eventually.TrueAsync(() => cluster.DeclaredDeadAsync("host2"), TimeSpan.FromSeconds(180), "the membership table holds host2's silo as dead");
            output.WriteLine($"host2 declared dead {clock.Elapsed.TotalSeconds:0.0} s after the cut");

            // The cut-off host still runs its copies; once it can talk again, they must end.
            clock.Restart();
            await cluster.Network.HealAsync("host2");
            await AssertEveryNameServedOnceAsync(cluster, TimeSpan.FromSeconds(180));
            output.WriteLine($"healed host2: no name served from two hosts after {clock.Elapsed.TotalSeconds:0.0} s");

            // Its silo was declared dead and ends; a supervisor starts it again, and it hosts new replicas.
            Assert.NotNull(await cluster.Silos["host2"].WaitForExitAsync(TimeSpan.FromSeconds(180)));
            output.WriteLine($"host2's silo ended {clock.Elapsed.TotalSeconds:0.0} s after the heal; what it did with its replicas:");
            cluster.Silos["host2"].Output.Split('\n')
                .Where(l => l.Contains("declared", StringComparison.OrdinalIgnoreCase) || l.Contains("Stopped replica", StringComparison.Ordinal))
                .TakeLast(6).ToList().ForEach(output.WriteLine);
            cluster.StartSilo("host2");
            await Eventually.TrueAsync(() => cluster.SiloReadyAsync("host2"), TimeSpan.FromSeconds(180), "host2's silo rejoins");
            using (var added = await cluster.AddAsync(2))
            {
                Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
            }

            var after = await cluster.ReplicasAsync();
            output.WriteLine(string.Join("\n", after.Select(r => $"{r.Key}: {r.Value.Host} {r.Value.Address} {r.Value.State}")));
            Assert.Equal(8, after.Count);
            Assert.Equal(2, after.Count(r => r.Value.Host == "host2"));
            Assert.All(after, r => Assert.Contains($"//{cluster.Network.AddressOf(r.Value.Host)}:", r.Value.Address, StringComparison.Ordinal));
            await AssertEveryNameServedOnceAsync(cluster, TimeSpan.FromSeconds(30));
        }
        catch
        {
            output.WriteLine(cluster.Output);
            throw;
        }
    }

    /// <summary>Adds replicas up to six on a cluster of three hosts: two per host, each on its host's address; every key's route.</summary>
    private async Task<(Dictionary<string, (string Host, string Address, string State)> Replicas, Dictionary<string, string> Routes)> SpreadSixAsync(MultiHostCluster cluster)
    {
        var clock = Stopwatch.StartNew();
        using (var added = await cluster.AddAsync(6 - (await cluster.ReplicasAsync()).Count))
        {
            Assert.True(added.StatusCode == HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
        }

        var replicas = await cluster.ReplicasAsync();
        output.WriteLine($"up to six replicas in {clock.Elapsed.TotalSeconds:0.0} s:");
        output.WriteLine(string.Join("\n", replicas.Select(r => $"{r.Key}: {r.Value.Host} {r.Value.Address} {r.Value.State}")));
        Assert.Equal(6, replicas.Count);
        Assert.Equal([2, 2, 2], cluster.SiloHosts.Select(h => replicas.Count(r => r.Value.Host == h)));
        Assert.All(replicas, r => Assert.Contains($"//{cluster.Network.AddressOf(r.Value.Host)}:", r.Value.Address, StringComparison.Ordinal));

        // Both gateways route on the six.
        foreach (var gateway in cluster.Gateways)
        {
            await Eventually.TrueAsync(async () => (await NamesAsync(gateway)).Count == 6, TimeSpan.FromSeconds(30), "every gateway routes on six replicas");
        }

        var routes = await RouteAllAsync(cluster.Gateways[0]);
        Assert.Equal(6, routes.Values.Distinct().Count());
        return (replicas, routes);
    }

    /// <summary>The victim's replicas run on other hosts under their names, every replica is healthy, every key is back on its name.</summary>
    private static async Task WaitRecoveredAsync(MultiHostCluster cluster, string victim, List<string> lost, Dictionary<string, string> routes) =>
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                var now = await cluster.ReplicasAsync();
                if (now.Count != 6 || now.Any(r => r.Value.State != "healthy") || lost.Any(n => !now.TryGetValue(n, out var r) || r.Host == victim))
                {
                    return false;
                }

                foreach (var gateway in cluster.Gateways)
                {
                    var again = await RouteAllAsync(gateway);
                    if (!routes.All(r => again.TryGetValue(r.Key, out var name) && name == r.Value))
                    {
                        return false;
                    }
                }

                return true;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException)
            {
                return false;
            }
        }, Recovery, $"{victim}'s replicas {string.Join(", ", lost)} serve again on the other hosts and every key is back on its name");

    private async Task AssertNoFailureAsync(List<SteadyLoad> loads)
    {
        var results = new List<(int Sent, int Failed)>();
        foreach (var load in loads)
        {
            results.Add(await load.StopAsync());
        }

        output.WriteLine($"load: {string.Join(" + ", results.Select(r => r.Sent))} GETs, {results.Sum(r => r.Failed)} failed");
        Assert.True(results.All(r => r.Sent > 0), "the load ran");
        Assert.True(results.Sum(r => r.Failed) == 0, string.Join('\n', loads.SelectMany(l => l.Failures).Take(10)));
    }

    /// <summary>Asks every replica process of every host who it is: each ring name answers from exactly one process, on its ring host.</summary>
    private async Task AssertEveryNameServedOnceAsync(MultiHostCluster cluster, TimeSpan within)
    {
        List<(string Host, string Name)> answers = [];
        Dictionary<string, (string Host, string Address, string State)> ring = [];
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                ring = await cluster.ReplicasAsync();
                answers = await cluster.AskEveryReplicaAsync();
                return answers.Count == ring.Count && ring.All(r => answers.Count(a => a.Name == r.Key && a.Host == r.Value.Host) == 1);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                return false;
            }
        }, within, "every replica name is served by one process, on its host");
        output.WriteLine($"replica processes asked: {string.Join(", ", answers.Order().Select(a => $"{a.Name}@{a.Host}"))}");
    }

    private static async Task<Dictionary<string, string>> RouteAllAsync(HttpClient http)
    {
        var routes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in Keys)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/home");
            request.Headers.Add("X-Request-Id", key);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var name = response.Headers.GetValues("X-Replica").Single();
            // The name the gateway chose is the name of the process that answered.
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString();
            if (body != $"Hello from Server: {name}")
            {
                throw new HttpRequestException($"Key {key} routed to {name} but answered '{body}'");
            }

            routes[key] = name;
        }

        return routes;
    }

    private static async Task<IReadOnlyList<string>> NamesAsync(HttpClient http)
    {
        try
        {
            using var document = JsonDocument.Parse(await http.GetStringAsync("/rep"));
            return document.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Select(e => e.GetString()!).ToList();
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }
}
