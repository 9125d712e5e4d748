using System.Globalization;
using Orleans.LoadBalancer.BackendServer;

var builder = WebApplication.CreateSlimBuilder(args);
var identity = new ServerIdentity(builder.Configuration["server-id"] ?? Environment.GetEnvironmentVariable("SERVER_ID") ?? Environment.MachineName);
if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
{
    builder.WebHost.UseUrls($"http://0.0.0.0:{Environment.GetEnvironmentVariable("PORT") ?? "5000"}");
}

builder.Logging.SetMinimumLevel(LogLevel.Warning);
var switches = new TestSwitches(
    Environment.GetEnvironmentVariable("BACKEND_TEST_SWITCHES") == "1",
    Environment.GetEnvironmentVariable("BACKEND_HANG") == "1",
    TestSwitches.SlowHeartbeatFor(Environment.GetEnvironmentVariable("BACKEND_SLOW_HEARTBEAT_SECONDS")),
    Environment.GetEnvironmentVariable("BACKEND_NO_IDENTITY") == "1");

var app = builder.Build();
app.Use(async (context, next) =>
{
    if (switches.Hanging)
    {
        // Accepts the connection, never answers: what a wedged process looks like from outside.
        await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        return;
    }

    await next(context);
});
if (switches.Enabled)
{
    app.MapTestEndpoints();
}

app.MapGet("/home", () => Results.Text(Replies.Json($"Hello from Server: {identity.Name}"), "application/json"));
app.MapGet("/heartbeat", () => switches.HeartbeatHeldBack(identity) ? Results.StatusCode(StatusCodes.Status503ServiceUnavailable) : Results.Ok());
app.MapGet("/work/{ms:int?}", async (int? ms, HttpRequest request, IConfiguration configuration, CancellationToken cancellationToken) =>
{
    var wait = ms ?? (int.TryParse(request.Query["ms"], CultureInfo.InvariantCulture, out var q) ? q : configuration.GetValue("Backend:WorkMs", 5));
    if (wait is < 0 or > 10_000)
    {
        return Results.BadRequest();
    }

    await Task.Delay(wait, cancellationToken);
    return Results.Text(Replies.Json($"Worked {wait} ms on Server: {identity.Name}"), "application/json");
});
app.MapWorkPost(identity);
if (switches.Enabled)
{
    app.MapPost("/admin/hang", () =>
    {
        switches.Hanging = true;
        return Results.Ok();
    });
}

if (Environment.GetEnvironmentVariable("BACKEND_ASSIGNABLE") == "1" && !switches.WithoutIdentity)
{
    // A warm spare: started ahead of need, it takes its identity once, when it is put to work.
    app.MapPost("/admin/identity", async (HttpRequest request) =>
    {
        using var reader = new StreamReader(request.Body);
        var name = (await reader.ReadToEndAsync()).Trim();
        return name.Length > 0 && identity.Assign(name) ? Results.Ok() : Results.Conflict();
    });
}

app.MapFallback(() => Results.NotFound());

ParentWatch.Start(app.Lifetime);
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"Replica {identity.Name} listening on {string.Join(", ", app.Urls)}"));
app.Run();
