using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Hosting;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Hosting;

var builder = WebApplication.CreateBuilder(args);
WebApplication app;
try
{
    builder.AddLoadBalancerGateway();
    builder.AddAdminAccess();
    app = builder.Build();
    app.Services.ValidateSettings();
    app.UseGatewayEdge();
    app.UseReplicaProxy();
}
catch (Exception ex) when (SettingsErrors.Describe(ex) is { } message)
{
    Console.Error.WriteLine(message);
    return 1;
}

app.MapGatewayMetrics();
app.MapAdminEndpoints();
app.Run();
return 0;
