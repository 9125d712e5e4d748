using Orleans.Dashboard;
using Orleans.LoadBalancer.Hosting;
using Orleans.LoadBalancer.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
WebApplication app;
try
{
    builder.AddLoadBalancerSilo();
    builder.AddDashboardProtectedMode();
    app = builder.Build();
    app.Services.ValidateSettings();
}
catch (Exception ex) when (SettingsErrors.Describe(ex) is { } message)
{
    Console.Error.WriteLine(message);
    return 1;
}

app.UseDashboardAuthorization("/dashboard");
app.MapOrleansDashboard("/dashboard");
app.MapPrometheusScrapingEndpoint();
app.MapSiloHealth();
app.MapGet("/", () => Results.Redirect("/dashboard"));
app.Run();
return 0;
