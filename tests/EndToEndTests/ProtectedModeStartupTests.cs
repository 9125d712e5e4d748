using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// Protected mode: a gateway whose admin API, or a silo whose dashboard, listens beyond loopback without a key exits
/// with code 1 before it binds anything, naming both ways out.
/// </summary>
public sealed class ProtectedModeStartupTests
{
    [Theory]
    [InlineData("gateway", "http://0.0.0.0:{port}", null)]
    [InlineData("gateway", "http://*:{port}", null)]
    [InlineData("gateway", "http://+:{port}", null)]
    [InlineData("gateway", "http://[::]:{port}", null)]
    [InlineData("gateway", "http://192.0.2.10:{port}", null)]
    [InlineData("gateway", "http://127.0.0.1:{port};http://gateway.example:{port}", null)]
    [InlineData("gateway", "http://127.0.0.1:{port}", "http://0.0.0.0:{port2}")]
    [InlineData("silo", "http://0.0.0.0:{port}", null)]
    [InlineData("silo", "http://silo.example:{port}", null)]
    public async Task Beyond_loopback_without_a_key_it_does_not_start(string program, string urls, string? adminUrls)
    {
        var port = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var port2 = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var environment = new Dictionary<string, string>
        {
            ["Urls"] = urls.Replace("{port}", port, StringComparison.Ordinal),
            ["Admin__ApiKey"] = "",
            ["Cluster__SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (adminUrls is not null)
        {
            environment["Admin__Urls"] = adminUrls.Replace("{port2}", port2, StringComparison.Ordinal);
        }

        await using var process = ManagedProcess.StartDotnet(program, program == "silo" ? RepoPaths.Silo : RepoPaths.Gateway, environment);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 1, $"exit code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none (still running)"}:\n{process.Output}");
        Assert.Contains("Invalid configuration: Admin:ApiKey is empty, and the " + (program == "silo" ? "silo's dashboard" : "gateway's admin API") + " listens beyond loopback", process.Output);
        Assert.Contains("Set Admin:ApiKey", process.Output);
        Assert.Contains("Admin:AllowAnonymous=true", process.Output);
        Assert.DoesNotContain("   at ", process.Output);
        Assert.DoesNotContain("Now listening", process.Output);
    }
}
