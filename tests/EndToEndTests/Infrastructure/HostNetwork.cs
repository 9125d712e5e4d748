using System.Diagnostics;
using System.Globalization;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// Separate hosts on this machine: one Linux network namespace per host, each with its own address on a bridge that
/// lives in a namespace of its own (so the root namespace's firewall never sees the traffic), and an address for the
/// root namespace on that bridge so the test can reach every host. Names carry the test process id
/// (<c>lbt&lt;pid&gt;…</c>), so runs side by side never meet, and those of a run that is gone are removed at the start of the next.
/// The addresses are a private /24 chosen from the process id and used only inside these namespaces.
/// </summary>
public sealed class HostNetwork : IAsyncDisposable
{
    private const string Prefix = "lbt";
    private readonly string _id;
    private readonly string _subnet;
    private readonly Dictionary<string, int> _octets = new(StringComparer.Ordinal);
    private readonly List<ManagedProcess> _processes = [];

    private HostNetwork(string id, string subnet)
    {
        (_id, _subnet) = (id, subnet);
    }

    /// <summary>The root namespace's address on the bridge (where the test's own requests come from).</summary>
    public string RootAddress => $"{_subnet}.1";

    public IReadOnlyCollection<string> Hosts => _octets.Keys;

    /// <summary>Creates the bridge and one namespace per host (addresses .11, .12, … in the order given).</summary>
    public static async Task<HostNetwork> CreateAsync(params string[] hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ExternalTool.Require("ip", "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip");
        await RemoveStaleAsync();
        var pid = Environment.ProcessId;
        var network = new HostNetwork($"{Prefix}{pid}", await FreeSubnetAsync(pid));
        try
        {
            await network.BuildAsync(hosts);
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }

        return network;
    }

    public string AddressOf(string host) => $"{_subnet}.{_octets[host]}";

    public string NamespaceOf(string host) => $"{_id}-{host}";

    /// <summary>Runs <paramref name="program"/> inside the host's namespace (<c>ip netns exec</c>), output kept; killed on dispose.</summary>
    public ManagedProcess Start(
        string host, string name, string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("ip") { WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory };
        foreach (var argument in new[] { "netns", "exec", NamespaceOf(host), program }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = ManagedProcess.Start(name, start);
        _processes.Add(process);
        return process;
    }

    /// <summary>Every process that runs in the host's namespace now.</summary>
    public async Task<IReadOnlyList<int>> ProcessesOfAsync(string host) =>
        (await IpAsync("netns", "pids", NamespaceOf(host))).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();

    /// <summary>Kills every process of the host at once (<c>kill -9</c>), as a host that loses power.</summary>
    public async Task KillAllAsync(string host)
    {
        foreach (var pid in await ProcessesOfAsync(host))
        {
            Kill(pid);
        }
    }

    /// <summary>Cuts the host's link (<c>ip link set … down</c> on its bridge port): it keeps running, alone.</summary>
    public Task CutAsync(string host) => IpAsync("-n", BridgeNamespace, "link", "set", Port(host), "down");

    public Task HealAsync(string host) => IpAsync("-n", BridgeNamespace, "link", "set", Port(host), "up");

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _octets.Keys)
        {
            try
            {
                await KillAllAsync(host);
            }
            catch (InvalidOperationException)
            {
            }
        }

        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await RemoveAsync(_id);
    }

    /// <summary>Removes the namespaces (and so every link) of runs whose test process is gone.</summary>
    public static async Task RemoveStaleAsync()
    {
        foreach (var name in await NamespacesAsync())
        {
            var digits = new string(name.AsSpan(Prefix.Length).ToArray().TakeWhile(char.IsAsciiDigit).ToArray());
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && int.TryParse(digits, CultureInfo.InvariantCulture, out var owner)
                && owner != Environment.ProcessId && !Directory.Exists($"/proc/{owner}"))
            {
                await RemoveAsync(Prefix + digits);
            }
        }
    }

    private string BridgeNamespace => $"{_id}-net";

    /// <summary>The host's port on the bridge (an interface name: at most 15 characters).</summary>
    private string Port(string host) => $"{_id}h{_octets[host]}";

    private async Task BuildAsync(string[] hosts)
    {
        await IpAsync("netns", "add", BridgeNamespace);
        await IpAsync("-n", BridgeNamespace, "link", "add", "br0", "type", "bridge");
        await IpAsync("-n", BridgeNamespace, "link", "set", "br0", "up");
        await IpAsync("-n", BridgeNamespace, "link", "set", "lo", "up");

        // The root namespace's leg: an address on the bridge, so the load reaches the hosts.
        var root = $"{_id}r";
        await IpAsync("link", "add", root, "type", "veth", "peer", "name", root + "p");
        await IpAsync("link", "set", root + "p", "netns", BridgeNamespace);
        await IpAsync("-n", BridgeNamespace, "link", "set", root + "p", "master", "br0", "up");
        await IpAsync("addr", "add", $"{RootAddress}/24", "dev", root);
        await IpAsync("link", "set", root, "up");

        for (var i = 0; i < hosts.Length; i++)
        {
            var host = hosts[i];
            _octets[host] = 11 + i;
            var ns = NamespaceOf(host);
            var port = Port(host);
            await IpAsync("netns", "add", ns);
            await IpAsync("link", "add", port, "type", "veth", "peer", "name", port + "p");
            await IpAsync("link", "set", port, "netns", BridgeNamespace);
            await IpAsync("link", "set", port + "p", "netns", ns);
            await IpAsync("-n", BridgeNamespace, "link", "set", port, "master", "br0", "up");
            await IpAsync("-n", ns, "link", "set", port + "p", "name", "eth0");
            await IpAsync("-n", ns, "addr", "add", $"{AddressOf(host)}/24", "dev", "eth0");
            await IpAsync("-n", ns, "link", "set", "eth0", "up");
            await IpAsync("-n", ns, "link", "set", "lo", "up");
        }
    }

    /// <summary>A /24 in 10.0.0.0/8 from the process id that no route of the root namespace uses yet.</summary>
    private static async Task<string> FreeSubnetAsync(int pid)
    {
        var routes = await IpAsync("-4", "route");
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var n = pid + (attempt * 7919);
            var subnet = $"10.{100 + (n % 100)}.{1 + ((n / 100) % 250)}";
            if (!routes.Contains(subnet + ".", StringComparison.Ordinal))
            {
                return subnet;
            }
        }

        throw new InvalidOperationException("No free private /24 for the test hosts");
    }

    private static async Task RemoveAsync(string id)
    {
        foreach (var ns in (await NamespacesAsync()).Where(n => n.StartsWith(id + "-", StringComparison.Ordinal)))
        {
            try
            {
                foreach (var pid in (await IpAsync("netns", "pids", ns)).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    Kill(int.Parse(pid, CultureInfo.InvariantCulture));
                }

                // Deleting a namespace deletes its ends of the veth pairs, and so the other ends too.
                await IpAsync("netns", "delete", ns);
            }
            catch (InvalidOperationException)
            {
            }
        }

        try
        {
            await IpAsync("link", "delete", id + "r");
        }
        catch (InvalidOperationException)
        {
            // Gone with its peer already.
        }
    }

    private static async Task<IReadOnlyList<string>> NamespacesAsync() =>
        (await IpAsync("netns", "list")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2)[0].Trim()).Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToList();

    private static void Kill(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    private static async Task<string> IpAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not run ip");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed ({process.ExitCode}): {(await error).Trim()}");
    }
}
