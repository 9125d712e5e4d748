using System.Buffers;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>Reads a request body of at most a given size, and no more of a larger one than that size plus one byte.</summary>
public static class LimitedBody
{
    /// <summary>The body, or null when it is larger than <paramref name="limit"/> bytes (by Content-Length or as it arrives).</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
        try
        {
            var length = 0;
            while (length <= limit)
            {
                var read = await request.Body.ReadAsync(buffer.AsMemory(length, limit + 1 - length), cancellationToken);
                if (read == 0)
                {
                    return buffer[..length];
                }

                length += read;
            }

            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The seed-shaped 413. The connection closes after it, so that Kestrel does not go on reading the unread rest of
    /// the body to keep the connection.
    /// </summary>
    public static IResult TooLarge(HttpContext context, int limit)
    {
        context.Response.Headers.Connection = "close";
        return SeedJson.Failure(StatusCodes.Status413PayloadTooLarge, $"Request body is larger than {limit} bytes");
    }
}
