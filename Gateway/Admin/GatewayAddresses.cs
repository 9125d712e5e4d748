using System.Net;
using System.Net.NetworkInformation;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// The addresses that lead to this gateway, so that <c>/add</c> refuses an external replica there (its requests would
/// come back to the gateway): what Kestrel listens on (<c>Urls</c>, <c>Kestrel:Endpoints</c>, <c>Admin:Urls</c>), and
/// for a listener on every interface, this machine's names and addresses. A name that resolves here through DNS, or
/// another gateway's address, is not known here: the <c>Via</c> check answers such a loop with 508.
/// </summary>
internal sealed class GatewayAddresses(IServer server, AdminAccess access)
{
    /// <summary>The first external replica of <paramref name="replicas"/> whose address leads to this gateway, as the error for it; null when none does.</summary>
    public string? Refuse(IReadOnlyList<ReplicaRecord> replicas)
    {
        var listeners = Listeners();
        var local = new Lazy<LocalMachine>(LocalMachine.Read);
        for (var i = 0; i < replicas.Count; i++)
        {
            if (Uri.TryCreate(replicas[i].Address, UriKind.Absolute, out var address) && LeadsHere(address, listeners, local))
            {
                return ReplicaSetRules.GatewayAddress(ReplicaSetRules.ExternalField(i)("address"), replicas[i].Address);
            }
        }

        return null;
    }

    /// <summary>
    /// Whether a request to <paramref name="address"/> would reach one of <paramref name="listeners"/> (Kestrel's
    /// listen URLs: <c>http://127.0.0.1:5000</c>, <c>http://*:8080</c>, <c>http://[::]:8080</c>, <c>http://localhost:5000</c>).
    /// The scheme does not matter: the port is the gateway's either way.
    /// </summary>
    internal static bool LeadsHere(Uri address, IEnumerable<string> listeners, Lazy<LocalMachine> local)
    {
        var host = address.IdnHost.Trim('[', ']');
        var ip = IPAddress.TryParse(host, out var parsed) ? Normalize(parsed) : null;
        var isLocalhost = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || (ip is not null && IPAddress.IsLoopback(ip));
        // Connecting to 0.0.0.0 or [::] reaches this machine.
        var isUnspecified = ip is not null && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any));
        foreach (var listener in listeners)
        {
            if (!TryParse(listener, out var listenHost, out var port) || port != address.Port)
            {
                continue;
            }

            if (isLocalhost || isUnspecified)
            {
                if (IsEveryInterface(listenHost) || IsLoopback(listenHost))
                {
                    return true;
                }

                continue;
            }

            if (IsEveryInterface(listenHost))
            {
                if (ip is not null ? local.Value.Addresses.Contains(ip) : local.Value.Names.Contains(host))
                {
                    return true;
                }
            }
            else if (ip is not null && IPAddress.TryParse(listenHost, out var listenIp) && Normalize(listenIp).Equals(ip))
            {
                return true;
            }
        }

        return false;
    }

    private List<string> Listeners()
    {
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return [.. bound, .. access.TrafficUrls, .. access.AdminUrls];
    }

    /// <summary>Host and port of a listen URL; false for a Unix socket or what does not parse.</summary>
    private static bool TryParse(string url, out string host, out int port)
    {
        host = "";
        port = 0;
        try
        {
            var binding = BindingAddress.Parse(url);
            if (binding.IsUnixPipe || binding.Port <= 0)
            {
                return false;
            }

            host = binding.Host.Trim('[', ']');
            port = binding.Port;
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary><c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>::</c> and any host name but localhost: Kestrel binds those on every interface.</summary>
    private static bool IsEveryInterface(string listenHost) =>
        listenHost is "*" or "+"
        || (IPAddress.TryParse(listenHost, out var ip) ? ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any) : !IsLoopback(listenHost));

    private static bool IsLoopback(string listenHost) =>
        string.Equals(listenHost, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(listenHost, out var ip) && IPAddress.IsLoopback(ip));

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>This machine's names and interface addresses, read when an address needs them.</summary>
    internal sealed record LocalMachine(IReadOnlySet<IPAddress> Addresses, IReadOnlySet<string> Names)
    {
        public static LocalMachine Read()
        {
            var addresses = new HashSet<IPAddress>();
            try
            {
                foreach (var unicast in NetworkInterface.GetAllNetworkInterfaces().SelectMany(n => n.GetIPProperties().UnicastAddresses))
                {
                    addresses.Add(Normalize(unicast.Address));
                }
            }
            catch (NetworkInformationException)
            {
                // Without the interface list only loopback and unspecified addresses are recognised.
            }

            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { Environment.MachineName, Dns.GetHostName() };
            return new LocalMachine(addresses, names);
        }
    }
}
