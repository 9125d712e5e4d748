using System.Diagnostics;
using Orleans.LoadBalancer.EndToEndTests.Infrastructure;
using Orleans.LoadBalancer.Gateway.Configuration;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>
/// The files an operator installs from <c>deploy/</c>, checked by the tools that read them: <c>promtool</c> for the
/// Prometheus configuration and rules, <c>systemd-analyze verify</c> for the units; and the README's install steps.
/// </summary>
public sealed class DeployFileTests
{
    private const string InstallPrefix = "/opt/orleans-lb/";
    private static readonly string Deploy = Path.Combine(RepoPaths.Root, "deploy");
    private static readonly string[] Units = ["orleans-lb-silo.service", "orleans-lb-gateway.service"];

    [Fact]
    public async Task Promtool_accepts_the_rules_and_the_configuration_that_loads_them_and_rejects_a_broken_rule()
    {
        var rules = Path.Combine(Deploy, "prometheus", "alerts.yml");
        var (code, text) = await RunAsync(Promtool(), "check", "rules", rules);
        Assert.True(code == 0, text);
        Assert.Contains($"SUCCESS: {AlertingFixture.RuleCount()} rules found", text, StringComparison.Ordinal);

        (code, text) = await RunAsync(Promtool(), "check", "config", Path.Combine(Deploy, "prometheus.yml"));
        Assert.True(code == 0, text);
        Assert.Contains("SUCCESS: 1 rule files found", text, StringComparison.Ordinal);

        var broken = Path.Combine(Directory.CreateTempSubdirectory("lb-rules-").FullName, "alerts.yml");
        try
        {
            await File.WriteAllTextAsync(broken, (await File.ReadAllTextAsync(rules)).Replace("increase(", "increse(", StringComparison.Ordinal));
            (code, text) = await RunAsync(Promtool(), "check", "rules", broken);
            Assert.NotEqual(0, code);
            Assert.Contains("increse", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(broken)!, recursive: true);
        }
    }

    [Fact]
    public async Task Systemd_analyze_verifies_both_units_and_reports_a_typo()
    {
        Assert.Equal("", await VerifyAsync(text => text));

        // systemd-analyze exits 0 on an unknown key or a bad value and only says so: the check reads what it says.
        Assert.Contains("Unknown key 'NoNewPrivilege'", await VerifyAsync(text => text.Replace("NoNewPrivileges=", "NoNewPrivilege=", StringComparison.Ordinal)),
            StringComparison.Ordinal);
        Assert.Contains("on-falure", await VerifyAsync(text => text.Replace("Restart=on-failure", "Restart=on-falure", StringComparison.Ordinal)),
            StringComparison.Ordinal);
        Assert.Contains("is not executable", await VerifyAsync(text => text.Replace(".Gateway\n", ".Gatway\n", StringComparison.Ordinal)),
            StringComparison.Ordinal);
    }

    [Fact]
    public void The_units_stop_and_reload_as_documented_and_the_readme_installs_them_where_they_look()
    {
        var silo = Settings("orleans-lb-silo.service");
        var gateway = Settings("orleans-lb-gateway.service");
        Assert.All([silo, gateway], unit =>
        {
            Assert.Equal("on-failure", unit["Restart"]);
            Assert.Equal("SIGTERM", unit["KillSignal"]);
            Assert.Equal("true", unit["NoNewPrivileges"]);
            Assert.Equal("strict", unit["ProtectSystem"]);
        });
        Assert.Equal("process", silo["KillMode"]);
        Assert.Equal("orleans-lb", silo["StateDirectory"]);
        Assert.Contains($"Environment=Replicas__Process__StateDirectory=/var/lib/{silo["StateDirectory"]}/replicas\n",
            File.ReadAllText(Path.Combine(Deploy, "systemd", "orleans-lb-silo.service")), StringComparison.Ordinal);
        Assert.Equal("/bin/kill -HUP $MAINPID", gateway["ExecReload"]);
        var stop = TimeSpan.FromSeconds(int.Parse(gateway["TimeoutStopSec"].TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(stop > new GatewayOptions().ShutdownTimeout, "TimeoutStopSec leaves the gateway its ShutdownTimeout to finish requests");

        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        foreach (var (unit, settings) in new[] { ("orleans-lb-silo.service", silo), ("orleans-lb-gateway.service", gateway) })
        {
            Assert.Contains($"deploy/systemd/{unit}", readme, StringComparison.Ordinal);
            Assert.Contains($"-o {settings["WorkingDirectory"]}", readme, StringComparison.Ordinal);
            Assert.StartsWith(settings["WorkingDirectory"] + "/", settings["ExecStart"], StringComparison.Ordinal);
            Assert.Contains(settings["EnvironmentFile"], readme, StringComparison.Ordinal);
        }

        Assert.Contains("/etc/systemd/system/", readme, StringComparison.Ordinal);
        Assert.Contains("useradd --system", readme, StringComparison.Ordinal);
        Assert.Contains(silo["User"], readme, StringComparison.Ordinal);
    }

    private static string Promtool() => ExternalTool.Require("promtool", "/usr/bin/promtool");

    /// <summary>
    /// Runs <c>systemd-analyze verify</c> on both units changed by <paramref name="edit"/>, installed under a temporary
    /// prefix instead of <c>/opt/orleans-lb</c> with stand-in programs (it checks that ExecStart exists); what it reports.
    /// </summary>
    private static async Task<string> VerifyAsync(Func<string, string> edit)
    {
        var root = Directory.CreateTempSubdirectory("lb-systemd-");
        try
        {
            var prefix = root.FullName + "/opt/";
            foreach (var program in new[] { "silo/Orleans.LoadBalancer.Silo", "gateway/Orleans.LoadBalancer.Gateway" })
            {
                var path = prefix + program;
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllTextAsync(path, "#!/bin/sh\n");
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
                }
            }

            var paths = new List<string>();
            foreach (var unit in Units)
            {
                var text = await File.ReadAllTextAsync(Path.Combine(Deploy, "systemd", unit));
                Assert.Contains(InstallPrefix, text, StringComparison.Ordinal);
                var path = Path.Combine(root.FullName, unit);
                await File.WriteAllTextAsync(path, edit(text).Replace(InstallPrefix, prefix, StringComparison.Ordinal));
                paths.Add(path);
            }

            var (code, output) = await RunAsync(ExternalTool.Require("systemd-analyze", "/usr/bin/systemd-analyze"), ["verify", .. paths]);
            return code == 0 || output.Length > 0 ? output.Replace(root.FullName, "", StringComparison.Ordinal) : $"exit code {code}";
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>The [Service] and [Install] settings of a unit (the last value of a repeated key).</summary>
    private static Dictionary<string, string> Settings(string unit) =>
        File.ReadLines(Path.Combine(Deploy, "systemd", unit))
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .GroupBy(p => p[0])
            .ToDictionary(g => g.Key, g => g.Last()[1]);

    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }
}
