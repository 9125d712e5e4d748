using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Hosting;
using Orleans.LoadBalancer.Silo.Hosting;

var check = ConfigurationCheck.Take("silo", ref args);
WebApplicationBuilder? builder = null;
WebApplication app;
try
{
    builder = WebApplication.CreateBuilder(args);
    check?.Attach(builder);
    builder.AddLoadBalancerSilo();
    builder.AddDashboardProtectedMode();
    app = builder.Build();
    app.Services.ValidateSettings();
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
    return check.Finished(app.Services, () => Summary(app));
}

app.UseDashboardAuthorization("/dashboard");
app.MapOrleansDashboard("/dashboard");
app.MapPrometheusScrapingEndpoint();
app.MapSiloHealth();
app.MapGet("/", () => Results.Redirect("/dashboard"));
app.Run();
return 0;

static string Summary(WebApplication app)
{
    var cluster = app.Services.GetRequiredService<IOptions<ClusterSettings>>().Value;
    var replicas = app.Services.GetRequiredService<IOptions<ReplicaOptions>>().Value;
    return $"dashboard on {string.Join(";", ListenAddresses.Of(app.Configuration))}, cluster {cluster.Provider}, "
        + $"silo port {cluster.SiloPort}, gateway port {cluster.GatewayPort}, replicas {replicas.Runtime}";
}
