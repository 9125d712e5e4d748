using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Hosting;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Hosting;

var check = ConfigurationCheck.Take("gateway", ref args);
WebApplicationBuilder? builder = null;
WebApplication app;
try
{
    builder = WebApplication.CreateBuilder(args);
    check?.Attach(builder);
    builder.AddLoadBalancerGateway();
    builder.AddAdminAccess();
    app = builder.Build();
    app.Services.ValidateSettings();
    app.UseGatewayEdge();
    app.UseReplicaProxy();
}
catch (Exception ex) when (check is not null)
{
    return check.Failed(ex, builder?.Services);
}
catch (Exception ex) when (SettingsErrors.Describe(ex) is { } message)
{
    Console.Error.WriteLine(message);
    return 1;
}

if (check is not null)
{
    var access = app.Services.GetRequiredService<AdminAccess>();
    return check.Finished(app.Services, () => $"traffic on {string.Join(";", access.TrafficUrls)}, admin API on "
        + $"{(access.HasOwnListener ? string.Join(";", access.AdminUrls) : "the traffic port")}, "
        + $"cluster {app.Services.GetRequiredService<IOptions<ClusterSettings>>().Value.Provider}");
}

app.MapGatewayMetrics();
app.MapAdminEndpoints();
try
{
    app.Run();
}
catch (Exception ex) when (GatewayListener.DescribePortInUse(ex) is { } message)
{
    Console.Error.WriteLine(message);
    return 1;
}

return 0;
