using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Orleans.LoadBalancer.Gateway.Configuration;

namespace Orleans.LoadBalancer.Gateway.Hosting;

/// <summary>
/// Lets a new gateway process take over from a running one without refusing a connection: with
/// <see cref="GatewayOptions.SharePort"/> on both, they listen on the same port (<c>SO_REUSEPORT</c>, so the kernel
/// spreads new connections over both), then the old one gets SIGTERM, stops accepting, finishes its in-flight requests
/// within <see cref="GatewayOptions.ShutdownTimeout"/> and exits. Without it a port in use stops the gateway at start.
/// </summary>
internal static class GatewayListener
{
    private const string SharePortKey = $"{GatewayOptions.Section}:{nameof(GatewayOptions.SharePort)}";

    // Linux values; other systems keep the default listener (one process per port).
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    public static WebApplicationBuilder UseHandOverListener(this WebApplicationBuilder builder, GatewayOptions gateway)
    {
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = gateway.ShutdownTimeout);
        builder.Services.AddSingleton<IStartupFilter, ConnectionDrain>();
        if (gateway.SharePort && OperatingSystem.IsLinux())
        {
            builder.WebHost.UseSockets(sockets => sockets.CreateBoundListenSocket = CreateSharedListenSocket);
        }

        return builder;
    }

    /// <summary>
    /// What to say when Kestrel could not listen because the port is taken ("Failed to bind to address
    /// http://127.0.0.1:5000: address already in use."), or null for any other failure.
    /// </summary>
    public static string? DescribePortInUse(Exception exception) => exception switch
    {
        IOException { InnerException: AddressInUseException } => $"{exception.Message} Another process listens on that port: another "
            + $"gateway, perhaps. A gateway shares its port only for a hand-over, when both the running and the new one have {SharePortKey}=true.",
        AggregateException all => all.InnerExceptions.Select(DescribePortInUse).FirstOrDefault(m => m is not null),
        _ => null,
    };

    private static Socket CreateSharedListenSocket(EndPoint endpoint)
    {
        if (endpoint is not IPEndPoint ip)
        {
            return SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        }

        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (ip.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.SetRawSocketOption(SolSocket, SoReusePort, BitConverter.GetBytes(1));
            socket.Bind(ip);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
