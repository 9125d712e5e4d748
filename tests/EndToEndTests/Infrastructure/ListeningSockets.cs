using System.Globalization;
using System.Net;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>The addresses TCP sockets listen on for a port, read from <c>/proc/net/tcp</c> and <c>/proc/net/tcp6</c> (Linux).</summary>
public static class ListeningSockets
{
    private const string Listen = "0A";

    public static IReadOnlyList<IPAddress> On(int port)
    {
        var addresses = new List<IPAddress>();
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = fields[1].Split(':');
                if (fields[3] == Listen && int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    addresses.Add(Parse(local[0]));
                }
            }
        }

        return addresses;
    }

    /// <summary>Established TCP connections whose local port is <paramref name="port"/>: the server's side of its connections.</summary>
    public static int EstablishedOn(int port)
    {
        const string Established = "01";
        var count = 0;
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
        {
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var local = fields[1].Split(':');
                if (fields[3] == Established && int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port)
                {
                    count++;
                }
            }
        }

        return count;
    }

    // The kernel prints each 32-bit word of the address in host (little-endian) order.
    private static IPAddress Parse(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        return new IPAddress(bytes);
    }
}
