using System.Net;
using System.Net.Sockets;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// Loopback ports for the servers a test starts. They come from below the kernel's ephemeral range
/// (<c>/proc/sys/net/ipv4/ip_local_port_range</c>, 32768–60999 by default), one after the other from a random start:
/// a port the kernel hands out (port 0) is one it also gives outgoing connections, and one of those (a gateway
/// connecting to a silo, say) can take it between the moment it is chosen and the moment its server binds it.
/// </summary>
public static class FreePort
{
    private const int First = 20000;
    private static readonly int Last = Math.Min(32767, EphemeralStart() - 1);
    private static int _next = First + Random.Shared.Next(Last - First);

    /// <summary>A loopback port that was free a moment ago, outside the range outgoing connections use.</summary>
    public static int Next()
    {
        for (var tried = 0; tried <= Last - First; tried++)
        {
            var port = First + ((Interlocked.Increment(ref _next) - First) % (Last - First + 1));
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {Last}");
    }

    /// <summary>The first of <paramref name="count"/> consecutive free loopback ports (a script that numbers its ports from one).</summary>
    public static int Run(int count)
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var first = Next();
            if (first + count - 1 <= Last && Enumerable.Range(first + 1, count - 1).All(IsFree))
            {
                Interlocked.Add(ref _next, count - 1);
                return first;
            }
        }

        throw new InvalidOperationException($"No {count} consecutive free loopback ports between {First} and {Last}");
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture) is var start && start > First + 1000 ? start : 32768;
        }
        catch (IOException)
        {
            return 32768;
        }
    }
}
