using Orleans.LoadBalancer.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddLoadBalancerSilo();

var app = builder.Build();
app.MapGet("/", () => Results.Ok(new { service = "orleans-lb silo" }));
app.Run();
