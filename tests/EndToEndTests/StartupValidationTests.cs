using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>A wrong setting stops a program at start-up with a message that names the key, and exit code 1.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("gateway", "Gateway__RetryAttempts", "9", "Invalid configuration: Gateway:RetryAttempts:")]
    [InlineData("gateway", "Gateway__RetryAttempts", "lots", "Invalid configuration: Failed to convert configuration value 'lots' at 'Gateway:RetryAttempts'")]
    [InlineData("gateway", "Gateway__KeySources__0__Type", "Query", "Invalid configuration: Gateway:KeySources:0:Name: a Query source needs a Name")]
    [InlineData("gateway", "Gateway__KeySources__0__Type", "Banana", "Invalid configuration: Failed to convert configuration value 'Banana' at 'Gateway:KeySources:0:Type'")]
    [InlineData("gateway", "Gateway__Routes__0__PathPrefix", "api", "Invalid configuration: Gateway:Routes:0:PathPrefix: must start with '/', not 'api'")]
    [InlineData("gateway", "Routing__BalanceFactor", "0.5", "Invalid configuration: Routing:BalanceFactor:")]
    [InlineData("gateway", "Cluster__Provider", "Zookeeper", "Invalid configuration: Cluster:Provider:")]
    [InlineData("silo", "Routing__Algorithm", "nope", "Invalid configuration: Routing:Algorithm: Unknown routing algorithm 'nope'")]
    [InlineData("silo", "Routing__MaglevTableSize", "65536", "Invalid configuration: Routing:MaglevTableSize: MaglevTableSize must be a prime")]
    [InlineData("silo", "Replicas__Runtime", "Kubernetes", "Invalid configuration: Replicas:Runtime: 'Kubernetes' is not a replica runtime")]
    [InlineData("silo", "Replicas__Process__WarmSpares", "many", "Invalid configuration: Failed to convert configuration value 'many' at 'Replicas:Process:WarmSpares'")]
    public async Task A_wrong_setting_stops_start_up_with_a_clear_message(string program, string key, string value, string message)
    {
        await AssertStartUpFailsAsync(program, new() { [key] = value }, message);
    }

    [Fact]
    public async Task More_initial_replicas_than_the_maximum_stop_start_up_with_a_clear_message()
    {
        await AssertStartUpFailsAsync(
            "silo",
            new() { ["Replicas__InitialCount"] = "10", ["Replicas__MaxCount"] = "5" },
            "Invalid configuration: Replicas:InitialCount: InitialCount (10) must not exceed MaxCount (5).");
    }

    [Fact]
    public async Task A_wrong_setting_of_the_chosen_replica_runtime_stops_start_up_with_a_clear_message()
    {
        await AssertStartUpFailsAsync(
            "silo",
            new() { ["Replicas__Runtime"] = "Docker", ["Replicas__Docker__Network"] = "no spaces" },
            "Invalid configuration: Replicas:Docker:Network: Replicas:Docker:Network must be a Docker network name.");
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:1", "1", "Invalid configuration: Replicas:Static:0: 'address' 'ftp://127.0.0.1:1' must be an absolute http or https URI")]
    [InlineData("http://127.0.0.1:1", "0", "Invalid configuration: Replicas:Static:0: 'weight' must be an integer from 1 to 100.")]
    [InlineData("http://127.0.0.1:1", "heavy", "Invalid configuration: Failed to convert configuration value 'heavy' at 'Replicas:Static:0:Weight'")]
    public async Task A_bad_static_replica_stops_start_up_naming_the_entry(string address, string weight, string message)
    {
        await AssertStartUpFailsAsync(
            "silo",
            new() { ["Replicas__Static__0__Name"] = "api-7", ["Replicas__Static__0__Address"] = address, ["Replicas__Static__0__Weight"] = weight },
            message);
    }

    [Fact]
    public async Task An_unreadable_ring_state_file_stops_start_up_naming_the_file()
    {
        var directory = Directory.CreateTempSubdirectory("orleans-lb-corrupt-state-");
        try
        {
            var service = Directory.CreateDirectory(Path.Combine(directory.FullName, "corrupt-service"));
            var file = Path.Combine(service.FullName, "ring-ring_default.state");
            await File.WriteAllTextAsync(file, "{\"version\": 3}");

            await AssertStartUpFailsAsync(
                "silo",
                new() { ["Cluster__StateDirectory"] = directory.FullName, ["Cluster__ServiceId"] = "corrupt-service" },
                $"Invalid configuration: The state file '{file}' is unreadable: it is not a state file");
            Assert.Equal("{\"version\": 3}", await File.ReadAllTextAsync(file));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task AssertStartUpFailsAsync(string program, Dictionary<string, string> settings, string message)
    {
        var environment = new Dictionary<string, string>(settings)
        {
            ["Urls"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Cluster__SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var process = ManagedProcess.StartDotnet(program, program == "silo" ? RepoPaths.Silo : RepoPaths.Gateway, environment);

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 1, $"exit code {exitCode?.ToString() ?? "none (still running)"}:\n{process.Output}");
        Assert.Contains(message, process.Output);
        Assert.DoesNotContain("   at ", process.Output);
    }
}
