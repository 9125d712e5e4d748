using Microsoft.AspNetCore.Connections;
using Orleans.LoadBalancer.Gateway.Configuration;

namespace Orleans.LoadBalancer.Gateway.FastLane;

internal static class FastLaneRegistration
{
    /// <summary>
    /// With <c>Gateway:FastLane</c> on, puts the <see cref="FastLane"/> in front of Kestrel's HTTP pipeline on every
    /// listener; it decides per connection whether it serves it (plain-text traffic ports only).
    /// </summary>
    public static WebApplicationBuilder AddFastLane(this WebApplicationBuilder builder, GatewayOptions gateway)
    {
        if (!gateway.FastLane)
        {
            return builder;
        }

        builder.Services.AddSingleton<FastLane>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen =>
        {
            var lane = listen.ApplicationServices.GetRequiredService<FastLane>();
            listen.Use(next => connection => lane.OnConnectionAsync(connection, next));
        }));
        return builder;
    }
}
