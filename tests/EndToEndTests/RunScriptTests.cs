using System.Diagnostics;
using System.Globalization;
using System.Net;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// The README's start command as a user meets it: the "try" line comes once the gateway answers, and a script killed
/// with <c>kill -9</c> takes every process it started with it, so that the next start finds its ports free.
/// </summary>
public sealed class RunScriptTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _clusterId = "script-" + Guid.NewGuid().ToString("N")[..8];

    public void Dispose() => ClusterProcesses.EndAll(_clusterId);

    [Fact]
    public async Task Run_local_says_try_once_the_gateway_answers_and_takes_its_processes_with_it_when_killed_with_sigkill()
    {
        var gatewayPort = FreePort.Next();
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{gatewayPort}"),
            Timeout = TimeSpan.FromSeconds(10),
        };
        await using var script = RunScript.Start("run-local.sh", new Dictionary<string, string>
        {
            ["CLUSTER_ID"] = _clusterId,
            ["GATEWAY_PORT"] = Text(gatewayPort),
            ["SILO_PORT"] = Text(FreePort.Next()),
            ["SILO_GATEWAY_PORT"] = Text(FreePort.Next()),
            ["SILO_HTTP_PORT"] = Text(FreePort.Next()),
        });

        var tryLine = $"Gateway: http://127.0.0.1:{gatewayPort} (try: curl http://127.0.0.1:{gatewayPort}/rep)";
        await Eventually.TrueAsync(() => Task.FromResult(script.Log.Contains(tryLine, StringComparison.Ordinal)), TimeSpan.FromSeconds(120), "run-local.sh says what to try");
        using (var rep = await http.GetAsync("/rep"))
        {
            Assert.True(rep.StatusCode == HttpStatusCode.OK, $"/rep answered {rep.StatusCode} right after the try line:\n{script.Log}");
        }

        await Eventually.TrueAsync(() => Task.FromResult(ClusterInspection.RuntimeProcesses(_clusterId).Count >= 3), TimeSpan.FromSeconds(120), "the three replicas run");
        var silo = RunScript.Programs(_clusterId, "Orleans.LoadBalancer.Silo");
        var gateway = RunScript.Programs(_clusterId, "Orleans.LoadBalancer.Gateway");
        Assert.Single(silo);
        Assert.Single(gateway);

        var clock = Stopwatch.StartNew();
        RunScript.Signal("KILL", script.Id);
        await Eventually.TrueAsync(
            () => Task.FromResult(RunScript.Programs(_clusterId, "Orleans.LoadBalancer").Count == 0 && ClusterInspection.RuntimeProcesses(_clusterId).Count == 0),
            TimeSpan.FromSeconds(90),
            "the silo, the gateway and every replica end with the killed script");
        output.WriteLine($"kill -9 run-local.sh: silo, gateway and replicas gone {clock.Elapsed.TotalSeconds:0.0} s later");
        Assert.Empty(ListeningSockets.On(gatewayPort));
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
