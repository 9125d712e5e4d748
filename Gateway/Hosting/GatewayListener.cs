using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Orleans.LoadBalancer.Gateway.Configuration;

namespace Orleans.LoadBalancer.Gateway.Hosting;

/// <summary>
/// Lets a new gateway process take over from a running one without refusing a connection: both listen on the same
/// port (<c>SO_REUSEPORT</c>, so the kernel spreads new connections over both), then the old one gets SIGTERM, stops
/// accepting, finishes its in-flight requests within <see cref="GatewayOptions.ShutdownTimeout"/> and exits.
/// </summary>
internal static class GatewayListener
{
    // Linux values; other systems keep the default listener (one process per port).
    private const int SolSocket = 1;
    private const int SoReusePort = 15;

    public static WebApplicationBuilder UseHandOverListener(this WebApplicationBuilder builder, GatewayOptions gateway)
    {
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = gateway.ShutdownTimeout);
        builder.Services.AddSingleton<IStartupFilter, ConnectionDrain>();
        if (OperatingSystem.IsLinux())
        {
            builder.WebHost.UseSockets(sockets => sockets.CreateBoundListenSocket = CreateSharedListenSocket);
        }

        return builder;
    }

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
