using System.Buffers;
using Orleans.LoadBalancer.Gateway.Responses;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>Reads a request body of at most a given size, and no more of a larger one than that size plus one byte.</summary>
internal static class LimitedBody
{
    /// <summary>
    /// The body, or the seed-shaped answer when it cannot be had: 413 when it is larger than <paramref name="limit"/>
    /// bytes (by Content-Length or as it arrives), Kestrel's status (400, 408…) when the request itself is broken.
    /// </summary>
    public static async Task<(byte[]? Body, IResult? Failure)> ReadAsync(HttpContext context, int limit)
    {
        if (context.Request.ContentLength > limit)
        {
            return (null, TooLarge(context, limit));
        }

        var buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
        try
        {
            var length = 0;
            while (length <= limit)
            {
                var read = await context.Request.Body.ReadAsync(buffer.AsMemory(length, limit + 1 - length), context.RequestAborted);
                if (read == 0)
                {
                    return (buffer[..length], null);
                }

                length += read;
            }

            return (null, TooLarge(context, limit));
        }
        catch (BadHttpRequestException ex)
        {
            // A broken chunked encoding, a body shorter than its Content-Length, too slow a sender: the client's fault.
            context.Response.Headers.Connection = "close";
            return (null, ApiEnvelope.Failure(ex.StatusCode, $"Request body could not be read: {ex.Message}"));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The connection closes after it, so that Kestrel does not go on reading the rest of the body to keep it.</summary>
    private static IResult TooLarge(HttpContext context, int limit)
    {
        context.Response.Headers.Connection = "close";
        return ApiEnvelope.Failure(StatusCodes.Status413PayloadTooLarge, $"Request body is larger than {limit} bytes");
    }
}
