using System.Text;
using Grpc.Core;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>
/// A real gRPC service without generated code: <c>test.Echo/Hello</c> (unary) and <c>test.Echo/Count</c> (server
/// streaming), their messages UTF-8 strings. Each reply names the server and the routing key it was sent
/// (the <c>x-user</c> metadata), so a test sees which replica served the call. Grpc.AspNetCore binds each method by
/// name to a virtual method declared on the type that carries <see cref="BindServiceMethodAttribute"/>, as generated
/// service bases do: hence virtual methods on a class that is not sealed.
/// </summary>
[BindServiceMethod(typeof(EchoGrpcService), nameof(BindService))]
public class EchoGrpcService(string name)
{
    private static readonly Marshaller<string> Utf8 = Marshallers.Create(s => Encoding.UTF8.GetBytes(s), b => Encoding.UTF8.GetString(b));

    public static readonly Method<string, string> HelloMethod = new(MethodType.Unary, "test.Echo", nameof(Hello), Utf8, Utf8);

    public static readonly Method<string, string> CountMethod = new(MethodType.ServerStreaming, "test.Echo", nameof(Count), Utf8, Utf8);

    /// <summary>How Grpc.AspNetCore finds the methods (it binds them by name to this type's methods below).</summary>
    public static void BindService(ServiceBinderBase binder, EchoGrpcService? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(HelloMethod, service is null ? null : service.Hello);
        binder.AddMethod(CountMethod, service is null ? null : service.Count);
    }

    public virtual Task<string> Hello(string request, ServerCallContext context) =>
        Task.FromResult($"{name} says hello to {request} (x-user {context.RequestHeaders.GetValue("x-user")}, {context.GetHttpContext().Request.Protocol})");

    /// <summary>Streams <c>request</c> messages, one every 50 ms, each flushed on its own.</summary>
    public virtual async Task Count(string request, IServerStreamWriter<string> responses, ServerCallContext context)
    {
        for (var i = 1; i <= int.Parse(request, System.Globalization.CultureInfo.InvariantCulture); i++)
        {
            await responses.WriteAsync($"{name} {i}", context.CancellationToken);
            await Task.Delay(50, context.CancellationToken);
        }
    }
}
