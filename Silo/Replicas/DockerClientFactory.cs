using Docker.DotNet;
using Docker.DotNet.Handler.Abstractions;

namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>
/// A client for the engine at <c>Replicas:Docker:Endpoint</c>: <c>unix://</c> and <c>npipe://</c> sockets, plain HTTP
/// at <c>tcp://</c> or <c>http://</c>, TLS at <c>https://</c> (the engine's certificate checked as the system checks
/// any other; no client certificate).
/// </summary>
internal static class DockerClientFactory
{
    public static DockerClient Create(string endpoint)
    {
        var uri = new Uri(endpoint);
        var builder = new DockerClientBuilder().WithEndpoint(uri);

        // The client speaks plain HTTP to an https:// endpoint unless an authentication provider asks for TLS.
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            builder = builder.WithAuthProvider(ServerTls.Instance);
        }

        return builder.Build();
    }

    private sealed class ServerTls : IAuthProvider
    {
        public static readonly ServerTls Instance = new();

        public bool TlsEnabled => true;

        public HttpMessageHandler ConfigureHandler(HttpMessageHandler handler) => handler;
    }
}
