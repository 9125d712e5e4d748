namespace Orleans.LoadBalancer.Gateway.Routing;

internal static class RoutingRegistration
{
    /// <summary>
    /// The ring snapshot this gateway routes on, kept current by <see cref="RingFollower"/>; the requests in flight per
    /// replica; and the <see cref="DrainReporter"/>. The follower starts first: start-up waits for the first ring.
    /// </summary>
    public static IServiceCollection AddRingFollowing(this IServiceCollection services)
    {
        services.AddSingleton<RingSnapshotStore>();
        services.AddSingleton<RingFollower>();
        services.AddHostedService(sp => sp.GetRequiredService<RingFollower>());
        services.AddSingleton<InFlightTracker>();
        services.AddHostedService<DrainReporter>();
        return services;
    }
}
