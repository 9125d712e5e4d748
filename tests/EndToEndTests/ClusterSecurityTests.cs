using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Orleans.LoadBalancer.UnitTests.ServiceDefaults;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// The cluster's own network: TLS on the Orleans ports, a silo bound only to its advertised address, and Redis with a
/// password and TLS — each against real silo and gateway processes and a real <c>redis-server</c>.
/// </summary>
public sealed class ClusterSecurityTests(ITestOutputHelper output) : IDisposable
{
    private const string PfxPassword = "pfx-pass";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("lb-tls-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task With_tls_two_silos_form_a_cluster_that_routes_and_a_gateway_without_its_certificate_never_joins()
    {
        using var shared = TestCertificates.SelfSigned("lb-cluster");
        using var stranger = TestCertificates.SelfSigned("lb-stranger");
        var tls = TlsSettings(TestCertificates.WritePfx(shared, _directory.FullName, "cluster", PfxPassword));
        await using var cluster = await LoadBalancerCluster.StartAsync(silos: 2, siloSettings: tls, gatewaySettings: tls);
        // The second silo finishes starting only once it has joined the first one's membership, over TLS.
        var second = cluster.Silos.Values.Last();
        await Eventually.TrueAsync(
            () => Task.FromResult(second.Output.Contains("Application started", StringComparison.Ordinal) || second.HasExited),
            TimeSpan.FromSeconds(120), "the second silo starts");
        Assert.False(second.HasExited, second.Output);

        var keys = Enumerable.Range(0, 100).Select(i => $"tls-{i}").ToList();
        var routes = await cluster.Gateway.RouteAllAsync(keys);
        var replicas = await cluster.Gateway.GetReplicaNamesAsync();
        Assert.Equal(keys.Count, routes.Count);
        Assert.All(routes.Values, replica => Assert.Contains(replica, replicas));
        Assert.Contains("Cluster TLS on: certificate CN=lb-cluster", cluster.Silo.Output, StringComparison.Ordinal);

        // The Orleans ports answer a TLS handshake with the cluster's certificate.
        foreach (var port in cluster.Silos.Keys.Append(cluster.GatewayPort))
        {
            Assert.Equal(shared.Thumbprint, await ServerCertificateThumbprintAsync(port, shared));
        }

        var clock = Stopwatch.StartNew();
        await using var plain = StartOutsider(cluster, "gateway-plain", []);
        await using var strange = StartOutsider(
            cluster, "gateway-stranger", TlsSettings(TestCertificates.WritePfx(stranger, _directory.FullName, "stranger", PfxPassword)));
        // The control: a gateway with the cluster's certificate, started at the same moment, joins.
        var member = await cluster.StartGatewayAsync(tls);
        Assert.Equal(replicas.Count, (await member.GetReplicaNamesAsync()).Count);
        var joined = clock.Elapsed;

        // Twice as long as the member took to join, which started at the same moment.
        var watch = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(10).Ticks, 2 * joined.Ticks));
        var seen = new List<string>();
        while (clock.Elapsed < watch)
        {
            foreach (var outsider in new[] { plain, strange })
            {
                if (await TryReplicaNamesAsync(outsider.Endpoint) is { Count: > 0 } names)
                {
                    seen.Add($"{outsider.Endpoint.Process.Name} at {clock.Elapsed.TotalSeconds:0.0} s: {string.Join(", ", names)}");
                }
            }

            await Task.Delay(250);
        }

        output.WriteLine($"the member gateway joined after {joined.TotalSeconds:0.0} s; outsiders watched for {watch.TotalSeconds:0} s");
        Assert.True(seen.Count == 0, $"an outsider saw the ring: {string.Join("; ", seen)}\n{plain.Endpoint.Process.Output}\n{strange.Endpoint.Process.Output}");
        // Still running and retrying (not failed for some other reason), the stranger with TLS set up as configured.
        Assert.False(plain.Endpoint.Process.HasExited, plain.Endpoint.Process.Output);
        Assert.False(strange.Endpoint.Process.HasExited, strange.Endpoint.Process.Output);
        Assert.Contains("Cluster TLS on: certificate CN=lb-stranger", strange.Endpoint.Process.Output, StringComparison.Ordinal);
        Assert.Contains("The remote certificate was rejected", strange.Endpoint.Process.Output, StringComparison.Ordinal);
        Assert.Contains(await member.RouteAsync("tls-0"), replicas);
    }

    [Theory]
    [InlineData("silo", "no certificate", "Invalid configuration: Cluster:Tls:CertificatePath: TLS is enabled but no certificate is set")]
    [InlineData("silo", "wrong password", "Invalid configuration: Cluster:Tls:CertificatePath: could not read a certificate from")]
    [InlineData("gateway", "wrong password", "Invalid configuration: Cluster:Tls:CertificatePath: could not read a certificate from")]
    [InlineData("gateway", "missing file", "Invalid configuration: Cluster:Tls:CertificatePath: no file at")]
    public async Task Tls_settings_that_cannot_work_stop_start_up_with_a_clear_message(string program, string problem, string message)
    {
        using var certificate = TestCertificates.SelfSigned("lb-cluster");
        var pfx = TestCertificates.WritePfx(certificate, _directory.FullName, "cluster", PfxPassword);
        var settings = problem switch
        {
            "no certificate" => new Dictionary<string, string> { ["Cluster__Tls__Enabled"] = "true" },
            "wrong password" => new Dictionary<string, string>(TlsSettings(pfx)) { ["Cluster__Tls__CertificatePassword"] = "not-the-password" },
            _ => TlsSettings(Path.Combine(_directory.FullName, "absent.pfx")),
        };

        var log = await AssertStartUpFailsAsync(program, settings, message);
        output.WriteLine(log);
        Assert.DoesNotContain(PfxPassword, log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public async Task A_cluster_on_a_redis_with_a_password_serves_and_never_logs_the_password(bool tls, bool aclUser)
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        await using var redis = await RedisServer.StartAsync(password, tls);
        var connectionString = redis.ConnectionString;
        var userPassword = "user-pw-" + Guid.NewGuid().ToString("N");
        if (aclUser)
        {
            // A user of its own with another password: the default user's password would not let this one in.
            await redis.CommandAsync("ACL", "SETUSER", "lb", "on", ">" + userPassword, "~*", "&*", "+@all");
            connectionString = redis.ConnectionStringWith(userPassword) + ",user=lb";
        }

        var settings = RedisSettings(redis, connectionString);
        await using var cluster = await LoadBalancerCluster.StartAsync(siloSettings: settings, gatewaySettings: settings);

        using (var added = await cluster.Gateway.AddAsync("""{"n": 1, "hostnames": ["behind-a-password"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        }

        var names = await cluster.Gateway.GetReplicaNamesAsync();
        Assert.Equal(4, names.Count);
        Assert.Contains("behind-a-password", names);
        await cluster.Gateway.RouteAsync("redis-key");
        // Membership and the ring's state are in this Redis, reached with the password (and TLS).
        var stored = await redis.CommandAsync("--scan");
        output.WriteLine($"keys in redis:\n{stored}");
        Assert.Contains(cluster.ClusterId, stored, StringComparison.Ordinal);
        Assert.Contains($"{cluster.ServiceId}/state/ring/", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(password, cluster.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(userPassword, cluster.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("silo", "wrong password", "WRONGPASS")]
    [InlineData("gateway", "wrong password", "WRONGPASS")]
    [InlineData("silo", "no password", "NOAUTH")]
    [InlineData("gateway", "unknown user", "WRONGPASS")]
    [InlineData("silo", "untrusted certificate", "certificate")]
    public async Task A_redis_that_refuses_the_process_stops_start_up_with_a_clear_message(string program, string problem, string reason)
    {
        const string password = "right-password";
        await using var redis = await RedisServer.StartAsync(password, tls: problem == "untrusted certificate");
        var settings = RedisSettings(redis, problem switch
        {
            "wrong password" => redis.ConnectionStringWith("wrong-password"),
            "no password" => redis.ConnectionStringWith(null),
            "unknown user" => redis.ConnectionString + ",user=nobody",
            _ => redis.ConnectionString,
        });
        if (problem == "untrusted certificate")
        {
            settings.Remove("SSL_CERT_FILE");
        }

        var log = await AssertStartUpFailsAsync(
            program, settings, $"Invalid configuration: Cluster:RedisConnectionString: Redis at 127.0.0.1:{redis.Port} refused this process (");
        output.WriteLine(log);
        Assert.Contains(reason, log, StringComparison.Ordinal);
        Assert.DoesNotContain(password, log, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_with_an_advertised_address_listens_on_that_address_only()
    {
        const string advertised = "127.0.0.2";
        await using var cluster = await LoadBalancerCluster.StartAsync(
            siloSettings: new Dictionary<string, string> { ["Cluster__AdvertisedAddress"] = advertised },
            gatewaySettings: new Dictionary<string, string> { ["Cluster__GatewayHost"] = advertised });
        await cluster.Gateway.RouteAsync("bound-key");

        foreach (var port in new[] { cluster.Silos.Keys.Single(), cluster.GatewayPort })
        {
            var listening = ListeningSockets.On(port);
            output.WriteLine($"port {port}: {string.Join(", ", listening)}");
            Assert.Equal([IPAddress.Parse(advertised)], listening);
            using var client = new TcpClient();
            var refused = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
    }

    private static Dictionary<string, string> TlsSettings(string pfx) => new()
    {
        ["Cluster__Tls__Enabled"] = "true",
        ["Cluster__Tls__CertificatePath"] = pfx,
        ["Cluster__Tls__CertificatePassword"] = PfxPassword,
    };

    private static Dictionary<string, string> RedisSettings(RedisServer redis, string connectionString)
    {
        var settings = new Dictionary<string, string>
        {
            ["Cluster__Provider"] = "Redis",
            ["Cluster__RedisConnectionString"] = connectionString,
        };
        if (redis.CaCertificatePath is not null)
        {
            // The processes trust the test's CA the way OpenSSL-based programs do.
            settings["SSL_CERT_FILE"] = redis.CaCertificatePath;
        }

        return settings;
    }

    /// <summary>A gateway of the cluster's id and port that the test starts itself: it does not wait for it to serve.</summary>
    private static Outsider StartOutsider(LoadBalancerCluster cluster, string name, Dictionary<string, string> settings)
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string>(settings)
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Cluster__ClusterId"] = cluster.ClusterId,
            ["Cluster__ServiceId"] = cluster.ServiceId,
            ["Cluster__GatewayPort"] = cluster.GatewayPort.ToString(CultureInfo.InvariantCulture),
        };
        return new Outsider(new GatewayEndpoint(ManagedProcess.StartDotnet(name, RepoPaths.Gateway, environment), new Uri($"http://127.0.0.1:{port}")));
    }

    /// <summary>The replicas a gateway lists, or null while it does not answer (it serves HTTP only once connected to the cluster).</summary>
    private static async Task<IReadOnlyList<string>?> TryReplicaNamesAsync(GatewayEndpoint gateway)
    {
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            using var response = await gateway.Http.GetAsync("/rep", cancel.Token);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel.Token));
            return document.RootElement.GetProperty("message").GetProperty("replicas").EnumerateArray().Select(e => e.GetString()!).ToList();
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The certificate a port presents in a TLS handshake (three tries: a fresh connection was once reset before its hello).</summary>
    private static async Task<string> ServerCertificateThumbprintAsync(int port, X509Certificate2 clientCertificate)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port);
                await using var tls = new SslStream(tcp.GetStream());
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "127.0.0.1",
                    ClientCertificates = [clientCertificate],
                    // The test only reads which certificate the port presents.
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                }).WaitAsync(TimeSpan.FromSeconds(10));
                return tls.RemoteCertificate!.GetCertHashString();
            }
            catch (IOException) when (attempt < 3)
            {
                await Task.Delay(500);
            }
        }
    }

    private static async Task<string> AssertStartUpFailsAsync(string program, Dictionary<string, string> settings, string message)
    {
        var environment = new Dictionary<string, string>(settings)
        {
            ["Urls"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Cluster__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
        };
        await using var process = ManagedProcess.StartDotnet(program, program == "silo" ? RepoPaths.Silo : RepoPaths.Gateway, environment);

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 1, $"exit code {exitCode?.ToString(CultureInfo.InvariantCulture) ?? "none (still running)"}:\n{process.Output}");
        Assert.Contains(message, process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
        return process.Output;
    }

    private sealed class Outsider(GatewayEndpoint endpoint) : IAsyncDisposable
    {
        public GatewayEndpoint Endpoint { get; } = endpoint;

        public async ValueTask DisposeAsync()
        {
            Endpoint.Http.Dispose();
            await Endpoint.Process.DisposeAsync();
        }
    }
}
