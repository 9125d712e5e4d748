namespace Orleans.LoadBalancer.Gateway.Hosting;

/// <summary>
/// On shutdown, before Kestrel closes its listener and idle keep-alive connections, answers every request for a moment
/// with <c>Connection: close</c>: a client then leaves after a complete response instead of having a request it just
/// sent on an idle connection cut off, and reconnects to the gateway that shares the port.
/// </summary>
internal sealed class ConnectionDrain(IHostApplicationLifetime lifetime) : IStartupFilter
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private volatile bool _closing;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        // Runs before the server stops; holding the stop here keeps the listener and connections open meanwhile.
        lifetime.ApplicationStopping.Register(() =>
        {
            _closing = true;
            Thread.Sleep(Period);
        });
        app.Use((context, nextMiddleware) =>
        {
            if (_closing)
            {
                context.Response.Headers.Connection = "close";
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}
