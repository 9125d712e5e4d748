using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Orleans.LoadBalancer.UnitTests.ServiceDefaults;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// A silo and a gateway started with exactly the files of <c>deploy/production/</c>, as systemd would pass them. Only what
/// differs between machines is replaced: every port (by free ones, the same port by the same one in both files), the
/// certificate's paths (a self-signed certificate made here) and the empty admin key (a generated one); and, so that
/// this cluster cannot meet another test's, its cluster and service ids.
/// </summary>
public sealed partial class ProductionConfigurationFixture : IAsyncLifetime
{
    public static readonly string Folder = Path.Combine(RepoPaths.Root, "deploy", "production");

    private readonly DirectoryInfo _files = Directory.CreateTempSubdirectory("orleans-lb-production-");
    private readonly Dictionary<int, int> _ports = [];
    private readonly string _clusterId = "prod-" + Guid.NewGuid().ToString("N")[..8];
    private X509Certificate2 _certificate = null!;
    private (string Certificate, string Key) _pem;

    public string ApiKey { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public ManagedProcess Silo { get; private set; } = null!;

    public ManagedProcess Gateway { get; private set; } = null!;

    /// <summary>The traffic port over TLS, trusting only the certificate made here.</summary>
    public HttpClient Traffic { get; private set; } = null!;

    /// <summary>The admin listener (<c>Admin:Urls</c>), without the key.</summary>
    public HttpClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _certificate = TestCertificates.SelfSigned("orleans-lb-gateway");
        _pem = TestCertificates.WritePem(_certificate, _files.FullName, "gateway");
        foreach (var file in new[] { "silo.env", "gateway.env" })
        {
            foreach (var port in EnvironmentFile.Read(Path.Combine(Folder, file)).SelectMany(s => PortsIn(s.Key, s.Value)))
            {
                _ports.TryAdd(port, FreePort.Next());
            }
        }

        var gateway = Settings("gateway.env");
        Silo = ManagedProcess.StartDotnet("silo", RepoPaths.Silo, Settings("silo.env"));
        Gateway = ManagedProcess.StartDotnet("gateway", RepoPaths.Gateway, gateway);
        Traffic = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == _certificate.GetCertHashString() },
        })
        {
            BaseAddress = Loopback(gateway["Urls"]),
            Timeout = TimeSpan.FromSeconds(30),
        };
        Admin = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false })
        {
            BaseAddress = Loopback(gateway["Admin__Urls"]),
            Timeout = TimeSpan.FromSeconds(30),
        };

        try
        {
            await Eventually.TrueAsync(async () =>
            {
                if (Gateway.HasExited || Silo.HasExited)
                {
                    throw new InvalidOperationException("A program exited");
                }

                try
                {
                    using var rep = await Admin.GetAsync("/rep");
                    using var home = await Traffic.GetAsync("/home");
                    return rep.IsSuccessStatusCode && (await rep.Content.ReadAsStringAsync()).Contains("\"N\": 3", StringComparison.Ordinal)
                        && home.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(60), "the gateway routes over TLS to the silo's three replicas");
        }
        catch (Exception ex)
        {
            throw new InvalidOperationException($"{ex.Message}\n--- silo ---\n{Silo.Output}\n--- gateway ---\n{Gateway.Output}", ex);
        }
    }

    /// <summary>
    /// The environment a program gets from <paramref name="file"/> (its text changed by <paramref name="edit"/>), with the
    /// ports, certificate paths, key and ids of this machine.
    /// </summary>
    public Dictionary<string, string> Settings(string file, Func<string, string>? edit = null)
    {
        var text = File.ReadAllText(Path.Combine(Folder, file));
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in EnvironmentFile.Parse(edit is null ? text : edit(text)))
        {
            settings[key] = key switch
            {
                "Kestrel__Certificates__Default__Path" => _pem.Certificate,
                "Kestrel__Certificates__Default__KeyPath" => _pem.Key,
                "Admin__ApiKey" => ApiKey,
                _ when key.EndsWith("Port", StringComparison.Ordinal) => Port(int.Parse(value, CultureInfo.InvariantCulture)),
                _ when value.Contains("://", StringComparison.Ordinal) => UrlPort().Replace(value, m => Port(int.Parse(m.Value, CultureInfo.InvariantCulture))),
                _ => value,
            };
        }

        settings["Cluster__ClusterId"] = _clusterId;
        settings["Cluster__ServiceId"] = _clusterId;
        return settings;
    }

    /// <summary>Runs <paramref name="program"/> with <c>--check-config</c>: its exit code and output.</summary>
    public static async Task<(int? Exit, string Output)> CheckAsync(string program, IReadOnlyDictionary<string, string> settings)
    {
        await using var process = ManagedProcess.StartDotnet($"{program}-check", program == "silo" ? RepoPaths.Silo : RepoPaths.Gateway, settings, "--check-config");
        var exit = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        return (exit, process.Output);
    }

    public static AuthenticationHeaderValue Bearer(string key) => new("Bearer", key);

    public async Task DisposeAsync()
    {
        Traffic?.Dispose();
        Admin?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        ClusterProcesses.EndAll(_clusterId);
        _certificate?.Dispose();
        _files.Delete(recursive: true);
    }

    private string Port(int shipped) => _ports[shipped].ToString(CultureInfo.InvariantCulture);

    private static IEnumerable<int> PortsIn(string key, string value) =>
        key.EndsWith("Port", StringComparison.Ordinal) ? [int.Parse(value, CultureInfo.InvariantCulture)]
        : value.Contains("://", StringComparison.Ordinal) ? UrlPort().Matches(value).Select(m => int.Parse(m.Value, CultureInfo.InvariantCulture))
        : [];

    /// <summary>The listener <paramref name="url"/> names, reached on loopback (a listener on every interface is one there too).</summary>
    private static Uri Loopback(string url)
    {
        var uri = new Uri(url);
        return new UriBuilder(uri.Scheme, "127.0.0.1", uri.Port).Uri;
    }

    [GeneratedRegex(@"(?<=:)\d+(?=/|;|$)")]
    private static partial Regex UrlPort();
}
