using Orleans.Dashboard;
using Orleans.LoadBalancer.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddLoadBalancerSilo();

var app = builder.Build();
app.UseDashboardAuthorization("/dashboard");
app.MapOrleansDashboard("/dashboard");
app.MapPrometheusScrapingEndpoint();
app.MapGet("/", () => Results.Redirect("/dashboard"));
app.Run();
