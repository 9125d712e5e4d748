using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Orleans.LoadBalancer.BackendServer;

/// <summary>
/// What the gateway's edge tests look at from the replica's side, only with <c>BACKEND_TEST_SWITCHES=1</c>:
/// <list type="bullet">
/// <item><c>GET /echo-headers</c>: the request's headers as <c>{"headers": {"Name": "value", …}}</c>.</item>
/// <item><c>POST /upload</c>: reads the whole body and answers <c>{"bytes": n}</c>.</item>
/// <item><c>GET /request-count</c>: <c>{"requests": n}</c>, every request that reached this replica but heartbeats and this one.</item>
/// <item><c>GET /not-found-gzip</c>: a gzip-compressed 404 with <c>ETag</c>, <c>Last-Modified</c> and caching headers, as a
/// real backend's error page may come.</item>
/// </list>
/// </summary>
internal static class TestEndpoints
{
    private const string CountPath = "/request-count";

    public static void MapTestEndpoints(this WebApplication app)
    {
        var count = 0L;
        app.Use((context, next) =>
        {
            var path = context.Request.Path;
            if (!path.StartsWithSegments("/heartbeat") && !path.StartsWithSegments(CountPath))
            {
                Interlocked.Increment(ref count);
            }

            return next(context);
        });

        app.MapGet(CountPath, () => Results.Text($"{{\"requests\": {Interlocked.Read(ref count)}}}", "application/json"));
        app.MapGet("/echo-headers", (HttpRequest request) => Results.Text(
            JsonSerializer.Serialize(new { headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString()) }), "application/json"));
        app.MapPost("/upload", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                total += read;
            }

            return Results.Text(string.Create(CultureInfo.InvariantCulture, $"{{\"bytes\": {total}}}"), "application/json");
        });
        app.MapGet("/not-found-gzip", async (HttpResponse response) =>
        {
            using var compressed = new MemoryStream();
            await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                await gzip.WriteAsync(Encoding.UTF8.GetBytes("{\"message\": \"no such page on this replica\"}"));
            }

            response.StatusCode = StatusCodes.Status404NotFound;
            response.ContentType = "application/json";
            response.Headers.ContentEncoding = "gzip";
            response.Headers.ETag = "\"replica-404-v1\"";
            response.Headers.LastModified = "Wed, 21 Oct 2015 07:28:00 GMT";
            response.Headers.CacheControl = "public, max-age=3600";
            response.Headers.Expires = "Thu, 01 Jan 2037 00:00:00 GMT";
            response.Headers.Vary = "Accept-Encoding";
            response.ContentLength = compressed.Length;
            await response.Body.WriteAsync(compressed.GetBuffer().AsMemory(0, (int)compressed.Length));
        });
    }
}
