using Microsoft.OpenApi;

namespace Orleans.LoadBalancer.Gateway.Admin.Documentation;

/// <summary>
/// What the OpenAPI document (<c>/openapi/v1.json</c>) says about each admin endpoint: its body, and every status it
/// answers with the shape of each (<see cref="SuccessBody{T}"/>, <see cref="ErrorBody"/>).
/// </summary>
internal static class AdminApiDocumentation
{
    public const string DocumentPath = "/openapi/v1.json";

    private const string Json = "application/json";

    /// <summary>A read: 200 with <typeparamref name="T"/> in the envelope.</summary>
    public static RouteHandlerBuilder Reads<T>(this RouteHandlerBuilder endpoint, string summary) => endpoint
        .WithSummary(summary)
        .Produces<SuccessBody<T>>(StatusCodes.Status200OK, Json)
        .Produces<ErrorBody>(StatusCodes.Status503ServiceUnavailable, Json);

    /// <summary>
    /// A change: <typeparamref name="TBody"/> as JSON in, 200 with <typeparamref name="T"/> in the envelope out, and the
    /// refusals every change can get (<see cref="AdminRequestGuard"/>, the body limit, the cluster not answering).
    /// </summary>
    public static RouteHandlerBuilder Changes<TBody, T>(this RouteHandlerBuilder endpoint, string summary, params int[] refusals) where TBody : notnull
    {
        // Not Accepts<TBody>: routing would take its content type as a constraint, and a body that is not JSON would go
        // past the guard's 415 to the replicas.
        endpoint
            .WithSummary(summary)
            .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) => operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [Json] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(TBody), null, cancellationToken) },
                },
            })
            .Produces<SuccessBody<T>>(StatusCodes.Status200OK, Json);
        int[] always =
        [
            StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden,
            StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status503ServiceUnavailable,
        ];
        foreach (var status in always.Concat(refusals).Distinct().Order())
        {
            endpoint.Produces<ErrorBody>(status, Json);
        }

        return endpoint;
    }
}
