using System.Net;
using System.Net.Sockets;
using Orleans.LoadBalancer.Silo.Replicas;

namespace Orleans.LoadBalancer.UnitTests.Silo.Replicas;

/// <summary>
/// <c>Replicas:Docker:Endpoint</c> over TCP: <c>https://</c> speaks TLS to the engine, <c>tcp://</c> and
/// <c>http://</c> plain HTTP. A listener on loopback reads the first byte the client sends.
/// </summary>
public sealed class DockerClientFactoryTests
{
    // A TLS connection opens with a handshake record (0x16); plain HTTP with the request's method.
    private const byte TlsHandshake = 0x16;

    [Theory]
    [InlineData("https", true)]
    [InlineData("tcp", false)]
    [InlineData("http", false)]
    public async Task The_endpoint_scheme_says_whether_the_client_speaks_TLS(string scheme, bool tls)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = DockerClientFactory.Create($"{scheme}://127.0.0.1:{port}");

        var ping = client.System.PingAsync(timeout.Token);
        var first = new byte[1];
        using (var connection = await listener.AcceptTcpClientAsync(timeout.Token))
        {
            await connection.GetStream().ReadExactlyAsync(first, timeout.Token);
        }

        listener.Stop();
        Assert.Equal(tls, first[0] == TlsHandshake);
        await Assert.ThrowsAnyAsync<Exception>(() => ping);
    }
}
