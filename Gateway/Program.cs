using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddLoadBalancerGateway();

var app = builder.Build();
app.UseReplicaProxy();
app.MapPrometheusScrapingEndpoint();
app.MapAdminEndpoints();
app.Run();
