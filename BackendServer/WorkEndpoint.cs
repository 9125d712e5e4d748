using System.Globalization;

namespace Orleans.LoadBalancer.BackendServer;

/// <summary>
/// <c>POST /work/{ms}</c>: a long, non-idempotent request for drain tests and demos. Reads whatever body comes, waits
/// <c>ms</c> milliseconds (0 to <see cref="MaxMs"/>; 400 otherwise), then answers 200 with the replica's name.
/// </summary>
internal static class WorkEndpoint
{
    public const int MaxMs = 60_000;

    public static void MapWorkPost(this WebApplication app, ServerIdentity identity) =>
        app.MapPost("/work/{ms}", async (string ms, HttpRequest request, CancellationToken cancellationToken) =>
        {
            if (!int.TryParse(ms, NumberStyles.None, CultureInfo.InvariantCulture, out var wait) || wait > MaxMs)
            {
                return Results.Text(Replies.Failure($"'ms' must be an integer from 0 to {MaxMs}"), "application/json", statusCode: StatusCodes.Status400BadRequest);
            }

            var buffer = new byte[16 * 1024];
            long bytes = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                bytes += read;
            }

            await Task.Delay(wait, cancellationToken);
            return Results.Text(Replies.Json($"Worked {wait} ms on Server: {identity.Name} ({bytes} bytes read)"), "application/json");
        });
}
