using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Hosting;
using Orleans.LoadBalancer.Hosting;

var builder = WebApplication.CreateBuilder(args);
WebApplication app;
try
{
    builder.AddLoadBalancerGateway();
    app = builder.Build();
    app.UseGatewayEdge();
    app.UseReplicaProxy();
}
catch (InvalidConfigurationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

app.MapPrometheusScrapingEndpoint();
app.MapAdminEndpoints();
app.Run();
return 0;
