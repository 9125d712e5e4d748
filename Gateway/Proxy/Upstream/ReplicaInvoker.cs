namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// The one client the forwarder sends every attempt with (<see cref="UpstreamInvoker.Create"/>), whatever the replica's
/// protocol: the version each request asks for picks HTTP/1.1 or HTTP/2 on its connection. Owned by the container.
/// </summary>
internal sealed class ReplicaInvoker(HttpMessageHandler handler) : HttpMessageInvoker(handler, disposeHandler: true);
