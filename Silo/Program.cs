using Orleans.Dashboard;
using Orleans.LoadBalancer.Hosting;
using Orleans.LoadBalancer.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
WebApplication app;
try
{
    builder.AddLoadBalancerSilo();
    app = builder.Build();
}
catch (InvalidConfigurationException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

app.UseDashboardAuthorization("/dashboard");
app.MapOrleansDashboard("/dashboard");
app.MapPrometheusScrapingEndpoint();
app.MapSiloHealth();
app.MapGet("/", () => Results.Redirect("/dashboard"));
app.Run();
return 0;
