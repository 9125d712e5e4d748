using System.Diagnostics;
using System.Text.Json;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A real Prometheus on 127.0.0.1 with a data directory of its own, started from a configuration the test writes
/// (and any rule files beside it); killed and its directory deleted on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly ManagedProcess _process;
    private readonly DirectoryInfo _directory;

    private PrometheusServer(ManagedProcess process, DirectoryInfo directory, int port)
    {
        _process = process;
        _directory = directory;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public HttpClient Http { get; }

    public string Output => _process.Output;

    /// <summary>Writes <paramref name="files"/> (name → text; "prometheus.yml" among them) and starts Prometheus on them.</summary>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, string> files)
    {
        var binary = ExternalTool.Require("prometheus", "/usr/bin/prometheus");
        var directory = Directory.CreateTempSubdirectory("lb-prometheus-");
        foreach (var (name, text) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, name), text);
        }

        var port = FreePort.Next();
        var process = ManagedProcess.Start("prometheus", new ProcessStartInfo(binary)
        {
            ArgumentList =
            {
                $"--config.file={Path.Combine(directory.FullName, "prometheus.yml")}",
                $"--storage.tsdb.path={Path.Combine(directory.FullName, "data")}",
                $"--web.listen-address=127.0.0.1:{port}",
            },
        });
        var server = new PrometheusServer(process, directory, port);
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    using var ready = await server.Http.GetAsync("/-/ready");
                    return ready.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return !process.HasExited ? false : throw new InvalidOperationException("Prometheus exited:\n" + process.Output);
                }
            }, TimeSpan.FromSeconds(30), "Prometheus is ready");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The <c>data</c> of a successful <c>GET /api/v1/{path}</c>; a query Prometheus rejects fails the test with its error.</summary>
    public async Task<JsonElement> GetDataAsync(string pathAndQuery)
    {
        using var response = await Http.GetAsync("/api/v1/" + pathAndQuery);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        Assert.True(root.GetProperty("status").GetString() == "success",
            $"{pathAndQuery}: {(root.TryGetProperty("error", out var error) ? error.GetString() : response.StatusCode.ToString())}");
        return root.GetProperty("data").Clone();
    }

    /// <summary>The series an instant query returns.</summary>
    public async Task<IReadOnlyList<JsonElement>> QueryAsync(string promql) =>
        [.. (await GetDataAsync("query?query=" + Uri.EscapeDataString(promql))).GetProperty("result").EnumerateArray()];

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
        _directory.Delete(recursive: true);
    }
}
