using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// The gateway's own HTTP/1.1 client to plain-http replicas, for YARP's forwarder: pooled keep-alive connections per
/// replica, the request head composed once and sent in one call, the response head parsed into just what the forwarder
/// copies, bodies streamed both ways. It takes <c>Content-Length</c> and <c>chunked</c> bodies, responses without a
/// body, <c>Connection: close</c> and close-delimited responses; anything else (https, HTTP/2, upgrades,
/// <c>Expect: 100-continue</c>, headers beyond ASCII) goes to the fallback handler (SocketsHttpHandler).
/// A malformed response is an <see cref="HttpRequestException"/> (the forwarder's 502) and its connection is closed.
/// </summary>
public sealed class LeanHttpHandler : HttpMessageHandler
{
    private readonly LeanConnectionPools _pools;
    private readonly LeanClientSettings _settings;
    private readonly HttpMessageInvoker _fallback;

    public LeanHttpHandler(LeanClientSettings settings, HttpMessageHandler fallback)
    {
        _settings = settings;
        _pools = new LeanConnectionPools(settings);
        _fallback = new HttpMessageInvoker(fallback);
    }

    /// <summary>Open and idle connections to a replica (<c>http://host:port</c>), for tests and metrics.</summary>
    public (int Open, int Idle) ConnectionsTo(Uri replica) => _pools.ConnectionsTo(replica);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri;
        if (uri is null || !string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal) || request.Version.Major != 1 || request.Version.Minor != 1
            || request.Method == HttpMethod.Connect)
        {
            return _fallback.SendAsync(request, cancellationToken);
        }

        return SendLeanAsync(request, PoolOf(uri), cancellationToken);
    }

    private async Task<HttpResponseMessage> SendLeanAsync(HttpRequestMessage request, LeanConnectionPool pool, CancellationToken cancellationToken)
    {
        while (true)
        {
            var connection = pool.TryRent() ?? await pool.ConnectAsync(cancellationToken).ConfigureAwait(false);
            connection.BeginRequest();
            if (!RequestHeadWriter.TryWrite(connection, request, out var framing, out var contentLength))
            {
                connection.ResetWrite();
                pool.Return(connection);
                return await _fallback.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }

            var bodySent = false;
            try
            {
                if (request.Content is { } content)
                {
                    bodySent = true;
                    var body = new LeanRequestBodyStream(connection, framing == RequestHeadWriter.Framing.Chunked, contentLength);
                    try
                    {
                        await content.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception) when (body.Failure is not null)
                    {
                        // The socket failed: report it as the replica's, below.
                    }

                    await body.CompleteAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await connection.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                return await ReadResponseAsync(connection, request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (connection.Reused && !bodySent && connection.Received == 0 && !cancellationToken.IsCancellationRequested
                && e is not HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse })
            {
                // A pooled connection the replica had closed: nothing reached it, so try once more on a fresh one.
                connection.Dispose();
            }
            catch (Exception e)
            {
                connection.Dispose();
                if (e is OperationCanceledException or HttpRequestException)
                {
                    throw;
                }

                throw new HttpRequestException(HttpRequestError.Unknown, $"The request to the replica failed: {e.Message}", e);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpResponseMessage> ReadResponseAsync(LeanConnection connection, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var isHead = request.Method == HttpMethod.Head;
        // The parser calls the builder only for a complete final head, so these serve every round of the loop.
        var content = new LeanResponseContent();
        var response = new HttpResponseMessage { RequestMessage = request, Version = HttpVersion.Version11, Content = content };
        var builder = new ResponseMessageBuilder(response, content.Headers, connection.LastHeaderValues);
        while (true)
        {
            var status = ResponseHeadParser.TryParse(connection.Buffered, isHead, _settings.MaxResponseHeadLength, ref builder, out var head);
            switch (status)
            {
                case HeadStatus.Incomplete:
                    bool more;
                    try
                    {
                        more = await connection.FillAsync(_settings.MaxResponseHeadLength, cancellationToken).ConfigureAwait(false);
                    }
                    catch (InvalidDataException e)
                    {
                        response.Dispose();
                        throw new HttpRequestException(HttpRequestError.InvalidResponse, e.Message, e);
                    }

                    if (!more)
                    {
                        response.Dispose();
                        throw new HttpRequestException(HttpRequestError.ResponseEnded,
                            "The replica closed the connection before a complete response head");
                    }

                    continue;
                case HeadStatus.Interim:
                    connection.ReadStart += head.HeadLength;
                    continue;
                case HeadStatus.Invalid:
                    response.Dispose();
                    throw new HttpRequestException(HttpRequestError.InvalidResponse, "The replica's response head is malformed or its framing ambiguous");
            }

            var reason = connection.Buffered.Slice(head.ReasonStart, head.ReasonLength);
            connection.ReadStart += head.HeadLength;
            response.StatusCode = (HttpStatusCode)head.StatusCode;
            if (head.MinorVersion == 0)
            {
                response.Version = HttpVersion.Version10;
            }

            if (head.ReasonLength > 0 && !IsStandardReason(head.StatusCode, reason))
            {
                response.ReasonPhrase = Encoding.Latin1.GetString(reason);
            }

            content.Body = new LeanResponseStream(connection, head);
            return response;
        }
    }

    private static bool IsStandardReason(int status, ReadOnlySpan<byte> reason)
    {
        var standard = ReasonPhrases.GetReasonPhrase(status);
        return standard.Length == reason.Length && Ascii.Equals(reason, standard);
    }

    private LeanConnectionPool PoolOf(Uri uri)
    {
        // The forwarder builds a new Uri per request from the replica's address: key on its text, without a new string.
        var original = uri.OriginalString.AsSpan();
        var authorityEnd = original[7..].IndexOf('/');
        return _pools.For(authorityEnd < 0 ? original : original[..(authorityEnd + 7)], uri);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pools.Dispose();
            _fallback.Dispose();
        }

        base.Dispose(disposing);
    }
}
