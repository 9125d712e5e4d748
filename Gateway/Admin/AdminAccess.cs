using System.Collections.Frozen;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>Where the admin API listens and who may call it, decided once at start-up from <c>Urls</c>, <c>Admin:*</c> and <c>AllowedHosts</c>.</summary>
internal sealed record AdminAccess
{
    /// <summary><c>Urls</c> as Kestrel reads them: the traffic listeners.</summary>
    public required IReadOnlyList<string> TrafficUrls { get; init; }

    /// <summary><c>Admin:Urls</c>: listeners of the admin API's own; empty when the traffic listeners serve it too.</summary>
    public required IReadOnlyList<string> AdminUrls { get; init; }

    /// <summary>The ports of <see cref="AdminUrls"/>: a request that arrives on one of them is an admin request.</summary>
    public required FrozenSet<int> AdminPorts { get; init; }

    /// <summary>
    /// The admin API listens on loopback only and <c>AllowedHosts</c> is not set: admin requests must name a loopback
    /// host, so a page that rebinds its own DNS name to 127.0.0.1 cannot read or drive the admin API.
    /// </summary>
    public required bool LoopbackHostsOnly { get; init; }

    /// <summary><c>Admin:ApiKey</c> at start-up, or null when none is set; a reload may change it (<see cref="AdminKeyStore"/>).</summary>
    public required AdminKey? Key { get; init; }

    /// <summary>Where the admin API listens: <see cref="AdminUrls"/>, else the traffic listeners.</summary>
    public IReadOnlyList<string> ExposedUrls => AdminUrls.Count > 0 ? AdminUrls : TrafficUrls;

    public bool HasOwnListener => AdminPorts.Count > 0;

    /// <summary>Reads and checks the settings; throws <see cref="InvalidConfigurationException"/> on a wrong one and in protected mode.</summary>
    public static AdminAccess From(IConfiguration configuration)
    {
        var options = ReadOptions(configuration);
        var traffic = ListenAddresses.Of(configuration);
        var admin = ListenAddresses.Split(options.Urls);
        var ports = new HashSet<int>();
        if (admin.Count > 0)
        {
            if (ListenAddresses.HasKestrelEndpoints(configuration))
            {
                throw new InvalidConfigurationException(
                    "Admin:Urls: cannot be combined with Kestrel:Endpoints (which make Kestrel ignore every other URL); name the traffic listeners in Urls instead.");
            }

            var trafficPorts = traffic.Select(ListenAddresses.Port).OfType<int>().ToHashSet();
            foreach (var url in admin)
            {
                if (ListenAddresses.Port(url) is not ({ } port and > 0))
                {
                    throw new InvalidConfigurationException($"Admin:Urls: '{url}' is not a URL with a fixed port, like http://127.0.0.1:5001.");
                }

                if (trafficPorts.Contains(port))
                {
                    throw new InvalidConfigurationException($"Admin:Urls: port {port} is also a traffic port in Urls ({string.Join(";", traffic)}); give the admin API a port of its own.");
                }

                ports.Add(port);
            }
        }

        var exposed = admin.Count > 0 ? admin : traffic;
        EnforceProtectedMode(options, exposed);
        return new AdminAccess
        {
            TrafficUrls = traffic,
            AdminUrls = admin,
            AdminPorts = ports.ToFrozenSet(),
            LoopbackHostsOnly = string.IsNullOrWhiteSpace(configuration["AllowedHosts"]) && exposed.All(ListenAddresses.IsLoopback),
            Key = AdminKey.From(options.ApiKey),
        };
    }

    /// <summary>
    /// The key <paramref name="configuration"/> holds now (null: none), checked as at start-up against the listeners the
    /// gateway started with; throws <see cref="InvalidConfigurationException"/> when wrong.
    /// </summary>
    public string? ApiKeyIn(IConfiguration configuration)
    {
        var options = ReadOptions(configuration);
        EnforceProtectedMode(options, ExposedUrls);
        return string.IsNullOrEmpty(options.ApiKey) ? null : options.ApiKey;
    }

    private static AdminOptions ReadOptions(IConfiguration configuration)
    {
        try
        {
            return configuration.GetSection(AdminOptions.Section).Get<AdminOptions>() ?? new();
        }
        catch (InvalidOperationException ex)
        {
            // A value the binder cannot convert, such as Admin:AllowAnonymous=yes.
            throw new InvalidConfigurationException($"{AdminOptions.Section}: {ex.Message}", ex);
        }
    }

    private static void EnforceProtectedMode(AdminOptions options, IEnumerable<string> exposed) =>
        ProtectedMode.Enforce("the gateway's admin API", "add and remove replicas and change the ring", exposed, options.ApiKey, options.AllowAnonymous);
}
