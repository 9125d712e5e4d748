using System.Diagnostics;
using System.Globalization;
using Orleans.LoadBalancer.UnitTests.ServiceDefaults;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A <c>redis-server</c> of the test's own on a free loopback port, without persistence, for tests that pause, corrupt
/// or delete what it holds (never the shared one on 6379). Commands go through <c>redis-cli</c>. Optionally with a
/// password (<c>requirepass</c>) and TLS only (a certificate for 127.0.0.1 from a CA the test makes, in <see cref="CaCertificatePath"/>).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly string _cli;
    private readonly string? _password;

    private RedisServer(Process process, DirectoryInfo directory, string cli, int port, string? password, string? caCertificatePath)
    {
        _process = process;
        _directory = directory;
        _cli = cli;
        _password = password;
        Port = port;
        CaCertificatePath = caCertificatePath;
    }

    public int Port { get; }

    /// <summary>With TLS: the PEM file of the CA that signed the server's certificate (for <c>SSL_CERT_FILE</c>), else null.</summary>
    public string? CaCertificatePath { get; }

    /// <summary>For <c>Cluster__RedisConnectionString</c>, with the password and <c>ssl=true</c> when the server asks for them.</summary>
    public string ConnectionString => ConnectionStringWith(_password);

    /// <summary>The connection string with another password (null: none).</summary>
    public string ConnectionStringWith(string? password) =>
        $"127.0.0.1:{Port},abortConnect=false{(password is null ? "" : $",password={password}")}{(CaCertificatePath is null ? "" : ",ssl=true")}";

    /// <summary>Starts a server and waits until it answers <c>PING</c>; with <paramref name="password"/> it requires it, with <paramref name="tls"/> it speaks TLS only.</summary>
    public static async Task<RedisServer> StartAsync(string? password = null, bool tls = false)
    {
        var server = ExternalTool.Require("redis-server", "/usr/bin/redis-server");
        var cli = ExternalTool.Require("redis-cli", "/usr/bin/redis-cli");
        var port = FreePort.Next();
        var directory = Directory.CreateTempSubdirectory("lb-redis-");
        var start = new ProcessStartInfo(server)
        {
            // DEBUG (SLEEP) is refused by default since Redis 7; "local" allows it from loopback only.
            ArgumentList =
            {
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", directory.FullName, "--enable-debug-command", "local",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(password);
        }

        string? caPath = null;
        if (tls)
        {
            using var authority = TestCertificates.Authority("lb-test-redis-ca");
            using var certificate = TestCertificates.IssuedBy(authority, "lb-test-redis");
            caPath = TestCertificates.WritePem(authority, directory.FullName, "ca").Certificate;
            var (certificatePath, keyPath) = TestCertificates.WritePem(certificate, directory.FullName, "redis");
            foreach (var argument in new[]
            {
                "--port", "0", "--tls-port", port.ToString(CultureInfo.InvariantCulture), "--tls-cert-file", certificatePath,
                "--tls-key-file", keyPath, "--tls-ca-cert-file", caPath, "--tls-auth-clients", "no",
            })
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.ArgumentList.Add("--port");
            start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var redis = new RedisServer(process, directory, cli, port, password, caPath);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await redis.PingAsync(TimeSpan.FromSeconds(1)))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await redis.DisposeAsync();
                throw new InvalidOperationException($"redis-server on port {port} did not answer PING within 10 s");
            }

            await Task.Delay(50);
        }

        return redis;
    }

    /// <summary>Runs <c>redis-cli -p P args…</c> and returns its output; fails when it exits with an error or takes longer than <paramref name="timeout"/> (60 s by default).</summary>
    public Task<string> CommandAsync(params string[] args) => CommandAsync(TimeSpan.FromSeconds(60), args);

    public async Task<string> CommandAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(_cli)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-p");
        start.ArgumentList.Add(Port.ToString(CultureInfo.InvariantCulture));
        if (_password is not null)
        {
            // In the environment rather than on the command line, where ps would show it.
            start.Environment["REDISCLI_AUTH"] = _password;
        }

        if (CaCertificatePath is not null)
        {
            start.ArgumentList.Add("--tls");
            start.ArgumentList.Add("--cacert");
            start.ArgumentList.Add(CaCertificatePath);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-cli");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new TimeoutException($"redis-cli {string.Join(' ', args)} did not return within {timeout}");
        }

        var output = (await stdout).TrimEnd();
        if (process.ExitCode != 0 || output.StartsWith("ERR", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} failed ({process.ExitCode}): {output} {await stderr}");
        }

        return output;
    }

    /// <summary>True when the server answers <c>PING</c> within <paramref name="timeout"/> (false while it is paused).</summary>
    public async Task<bool> PingAsync(TimeSpan timeout)
    {
        try
        {
            return await CommandAsync(timeout, "PING") == "PONG";
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
        }

        _process.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
