using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Orleans.LoadBalancer.Gateway.Metrics;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>One request in the lane: its attempts on replicas, the retries <see cref="ReplicaRetries"/> allow, and the answer.</summary>
internal sealed partial class FastLaneConnection
{
    private const int BodyChunk = 16 * 1024;

    private string? _reason;
    private bool _isHead;

    private enum AttemptResult
    {
        Answered,
        ReplicaFailed,
        Unreadable,
        ClientGone,
    }

    /// <summary>Proxies one request whose head is consumed; false when the connection must close after it.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ExchangeAsync(RequestHead head, string path, GatewaySettings settings, RoutingSnapshot snapshot, SelectedRoute choice, long start)
    {
        var keepAlive = !head.Close && !lane.Lifetime.ApplicationStopping.IsCancellationRequested;
        var method = MethodOf(_head.AsSpan(0, head.MethodLength));
        _isHead = HttpMethods.IsHead(method);
        var hasBody = head.HasBody;
        _bodyFault = 0;
        var generated = choice.GeneratedKey;
        if (choice.Index < 0)
        {
            // The body was never read: nothing more can follow on this connection.
            keepAlive &= !hasBody;
            await WriteFailureAsync(503, "No replicas available", null, generated, keepAlive);
            lane.Metrics.Routed(GatewayMetrics.NoReplica, 503, start);
            return keepAlive;
        }

        var index = choice.Index;
        var attempts = 1;
        int[]? tried = null;
        var bodySent = false;
        var status = 0;
        var replica = snapshot.Replicas[index];
        lane.Retries.Started();
        lane.Metrics.FastLaneServed();
        try
        {
            while (true)
            {
                replica = snapshot.Replicas[index];
                var pool = lane.Pools.For(AuthorityOf(replica.Address), replica.Address);
                var (result, upstream, response, error) = await AttemptAsync(pool, head, generated, settings, _isHead, sendBody: !bodySent);
                bodySent |= hasBody && (result != AttemptResult.ReplicaFailed || error is not HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError });
                if (result == AttemptResult.ClientGone)
                {
                    lane.Logger.LogInformation(
                        "The request from {Client} to replica {Replica} failed on the client's side: {Error} ({Reason})",
                        _peer, replica.Name, "RequestBodyClient", BodyFaultMessage(_bodyFault));
                    if (_bodyFault != 0)
                    {
                        // As the Kestrel lane answers a body it could not read: nothing of the replica's, and the connection ends.
                        status = _bodyFault;
                        await WriteFailureAsync(_bodyFault, BodyFaultMessage(_bodyFault), null, null, keepAlive: false);
                    }

                    return false;
                }

                if (result == AttemptResult.Answered)
                {
                    lane.Retries.CountAnswer(replica, snapshot, settings, response.StatusCode);
                    if (MayRetryStatus(settings, method, hasBody, attempts, response.StatusCode)
                        && settings.Router.HasNext(snapshot, choice, (tried ??= Tried(settings, choice.Index)).AsSpan(0, attempts))
                        && lane.Retries.TakeRetry(settings, replica.Name))
                    {
                        upstream!.Dispose();
                        lane.Logger.LogInformation("Retrying on the next replica after {FailedReplica} answered {Status}", replica.Name, response.StatusCode);
                    }
                    else
                    {
                        status = lane.RewriteNotFound && response.StatusCode == 404 ? 400 : response.StatusCode;
                        return await RelayAsync(upstream!, response, replica.Name, attempts, generated, keepAlive, path) && keepAlive;
                    }
                }
                else if (result == AttemptResult.ReplicaFailed)
                {
                    lane.Retries.CountFailure(replica, snapshot, settings);
                    if (attempts > settings.RetryAttempts || (bodySent && hasBody) || !RetryRules.MaySendAgainAfterFailure(method, error)
                        || !lane.Retries.TakeRetry(settings, replica.Name))
                    {
                        lane.Logger.LogWarning(error, "Forwarding a request from {Client} to replica {Replica} failed", _peer, replica.Name);
                        status = 502;
                        await WriteFailureAsync(502, $"Replica '{replica.Name}' did not answer", replica.Name, generated, keepAlive &= !hasBody);
                        return keepAlive;
                    }

                    lane.Logger.LogInformation("Retrying on the next replica after {FailedReplica} failed: {Error}", replica.Name, error?.Message);
                }
                else
                {
                    lane.Logger.LogWarning(error, "The response of replica {Replica} to {Client} could not be passed on", replica.Name, _peer);
                    status = 502;
                    await WriteFailureAsync(502, $"The response of replica '{replica.Name}' could not be passed on", replica.Name, generated, keepAlive &= !hasBody || bodySent);
                    return keepAlive;
                }

                tried ??= Tried(settings, choice.Index);
                var next = settings.Router.Retry(snapshot, choice, index, tried.AsSpan(0, attempts));
                index = next;
                if (next < 0)
                {
                    status = 502;
                    await WriteFailureAsync(502, $"Replica '{replica.Name}' did not answer", replica.Name, generated, keepAlive &= !hasBody || bodySent);
                    return keepAlive;
                }

                lane.Metrics.Retried(replica.Name);
                tried[attempts++] = next;
            }
        }
        finally
        {
            if (index >= 0)
            {
                settings.Router.Release(choice, index);
            }

            lane.Metrics.Routed(replica.Name, status, start);
        }
    }

    private static bool MayRetryStatus(GatewaySettings settings, string method, bool hasBody, int attempts, int status) =>
        RetryRules.IsRetriedStatus(settings.RetryOnStatus, status) && attempts <= settings.RetryAttempts
        && RetryRules.MaySendAgainAfterStatus(method, hasBody);

    private static int[] Tried(GatewaySettings settings, int first)
    {
        var tried = new int[settings.RetryAttempts + 1];
        tried[0] = first;
        return tried;
    }

    /// <summary>Sends the request to the replica (its body once, straight from the client) and reads the response head.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<(AttemptResult, LeanConnection?, ResponseHead, Exception?)> AttemptAsync(
        LeanConnectionPool pool, RequestHead head, string? generated, GatewaySettings settings, bool isHead, bool sendBody)
    {
        var withBody = sendBody && head.HasBody;
        while (true)
        {
            LeanConnection upstream;
            try
            {
                upstream = pool.TryRent(probe: withBody) ?? await pool.ConnectAsync(connection.ConnectionClosed);
            }
            catch (HttpRequestException e)
            {
                return (AttemptResult.ReplicaFailed, null, default, e);
            }
            catch (OperationCanceledException)
            {
                return (AttemptResult.ClientGone, null, default, null);
            }

            upstream.BeginRequest();
            UpstreamHead.Write(upstream, _head.AsSpan(0, head.HeadLength), head, pool.HostHeader, ForwardedForLine, lane.ViaLine, lane.RequestIdHeaderBytes, generated);
            var bodyStarted = false;
            try
            {
                if (withBody)
                {
                    bodyStarted = true;
                    if (!await (head.Framing == BodyFraming.Chunked ? SendChunkedBodyAsync(upstream) : SendBodyAsync(upstream, head.ContentLength)))
                    {
                        upstream.Dispose();
                        return (AttemptResult.ClientGone, null, default, null);
                    }

                    Arm(settings.ResponseHeadersTimeout);
                }
                else if (!await SendHeadAsync(upstream, settings))
                {
                    continue;
                }

                var response = await ReadResponseHeadAsync(upstream, isHead);
                Disarm();
                return (AttemptResult.Answered, upstream, response, null);
            }
            catch (InvalidDataException e)
            {
                upstream.Dispose();
                return (AttemptResult.Unreadable, null, default, e);
            }
            catch (Exception e) when (upstream.Reused && !bodyStarted && upstream.Received == 0 && e is SocketException or IOException or EndOfStreamException)
            {
                // A pooled connection the replica had closed: nothing reached it, so try once more on a fresh one.
                upstream.Dispose();
            }
            catch (Exception e) when (e is SocketException or IOException or EndOfStreamException or OperationCanceledException)
            {
                upstream.Dispose();
                if (connection.ConnectionClosed.IsCancellationRequested)
                {
                    return (AttemptResult.ClientGone, null, default, null);
                }

                return (AttemptResult.ReplicaFailed, null, default, e is OperationCanceledException
                    ? new TimeoutException($"The replica sent no response head within {settings.ResponseHeadersTimeout}") : e);
            }
        }
    }

    /// <summary>
    /// Sends a request without a body, with its response's first read posted before it: what that read finds at once
    /// came unasked (stray bytes or a close), which is why the pool need not probe an idle connection at rent. False
    /// when a pooled connection turns out stale that way; it is disposed, and another one is to be tried.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> SendHeadAsync(LeanConnection upstream, GatewaySettings settings)
    {
        Arm(settings.ResponseHeadersTimeout);
        var first = upstream.FillAsync(lane.Pools.Settings.MaxResponseHeadLength, _timer.Token);
        if (first.IsCompleted)
        {
            try
            {
                await first;
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
            }

            upstream.Dispose();
            return upstream.Reused ? false : throw new IOException("The replica sent bytes or closed the connection before it got a request");
        }

        await upstream.FlushAsync(connection.ConnectionClosed);
        return await first ? true : throw new EndOfStreamException("The replica closed the connection before a complete response head");
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ResponseHead> ReadResponseHeadAsync(LeanConnection upstream, bool isHead)
    {
        var maxHead = lane.Pools.Settings.MaxResponseHeadLength;
        while (true)
        {
            _fields.Reset();
            var sink = new ResponseFieldSink(_fields);
            switch (ResponseHeadParser.TryParse(upstream.Buffered, isHead, maxHead, ref sink, out var head))
            {
                case HeadStatus.Complete:
                    var reason = upstream.Buffered.Slice(head.ReasonStart, head.ReasonLength);
                    _reason = reason.Length == 0 || Ascii.Equals(reason, ReasonPhrases.GetReasonPhrase(head.StatusCode)) ? null : Encoding.Latin1.GetString(reason);
                    upstream.ReadStart += head.HeadLength;
                    return head;
                case HeadStatus.Interim:
                    upstream.ReadStart += head.HeadLength;
                    continue;
                case HeadStatus.Invalid:
                    throw new InvalidDataException("The replica's response head is malformed or its framing ambiguous");
            }

            if (!await upstream.FillAsync(maxHead, _timer.Token))
            {
                throw new EndOfStreamException("The replica closed the connection before a complete response head");
            }
        }
    }

    private static string MethodOf(ReadOnlySpan<byte> method) => method switch
    {
        _ when method.SequenceEqual("GET"u8) => HttpMethods.Get,
        _ when method.SequenceEqual("POST"u8) => HttpMethods.Post,
        _ when method.SequenceEqual("HEAD"u8) => HttpMethods.Head,
        _ when method.SequenceEqual("PUT"u8) => HttpMethods.Put,
        _ when method.SequenceEqual("DELETE"u8) => HttpMethods.Delete,
        _ => Encoding.ASCII.GetString(method),
    };

    /// <summary>A replica's <c>scheme://host:port</c>, the key of its connection pool.</summary>
    private static ReadOnlySpan<char> AuthorityOf(string address)
    {
        var slash = address.AsSpan(7).IndexOf('/');
        return slash < 0 ? address : address.AsSpan(0, slash + 7);
    }
}
