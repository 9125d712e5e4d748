using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Gateway.Hosting;
using Orleans.LoadBalancer.Gateway.Proxy;

var builder = WebApplication.CreateBuilder(args);
builder.AddLoadBalancerGateway();

var app = builder.Build();
app.MapPrometheusScrapingEndpoint();
app.MapAdminEndpoints();
var proxy = app.Services.GetRequiredService<ReplicaProxy>();
app.Map("/{**path}", proxy.InvokeAsync);
app.Run();
