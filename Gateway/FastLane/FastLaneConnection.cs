using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Proxy;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;
using Orleans.LoadBalancer.Routing;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>
/// One client connection in the <see cref="FastLane"/>: reads each request head from the transport without consuming
/// it, takes the request only when <see cref="RequestHeadReader"/> and <see cref="FastLaneAdmission"/> allow, and
/// otherwise hands the connection, from that request on, to Kestrel's HTTP pipeline. Kestrel's limits hold here too:
/// the keep-alive and request-headers timeouts, the head limits and the minimum upload rate.
/// </summary>
internal sealed partial class FastLaneConnection(FastLane lane, ConnectionContext connection)
{
    private readonly PipeReader _input = connection.Transport.Input;
    private readonly PipeWriter _output = connection.Transport.Output;
    private readonly ReplicaResponseFields _fields = new();
    private byte[] _head = new byte[4096];
    private CancellationTokenSource _timer = new();
    private IPAddress? _peer;
    private byte[]? _forwardedFor;

    private enum Next
    {
        Continue,
        Close,
        HandOver,
    }

    /// <summary>Serves the connection's requests; false when it is to be handed to Kestrel's HTTP pipeline instead.</summary>
    public async Task<bool> ServeAsync()
    {
        var notification = connection.Features.Get<IConnectionLifetimeNotificationFeature>();
        // A graceful stop asks each connection to close: an idle one waiting for its next request closes at once.
        using var wake = notification?.ConnectionClosedRequested.Register(static input => ((PipeReader)input!).CancelPendingRead(), _input);
        _peer = (connection.RemoteEndPoint as IPEndPoint)?.Address is { } peer ? TrustedProxyEntry.Normalize(peer) : null;
        try
        {
            while (true)
            {
                switch (await NextRequestAsync())
                {
                    case Next.HandOver:
                        return false;
                    case Next.Close:
                        return true;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionResetException or ConnectionAbortedException)
        {
            // A timeout or a client gone: the connection ends here, as Kestrel ends it.
            return true;
        }
        finally
        {
            _timer.Dispose();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Next> NextRequestAsync()
    {
        Arm(lane.KeepAliveTimeout);
        var started = false;
        while (true)
        {
            var result = await _input.ReadAsync(_timer.Token);
            var buffer = result.Buffer;
            if (buffer.IsEmpty && (result.IsCompleted || result.IsCanceled))
            {
                _input.AdvanceTo(buffer.Start);
                return Next.Close;
            }

            switch (Read(buffer, out var head))
            {
                case RequestHeadVerdict.Take:
                    return await TakeAsync(buffer, head);
                case RequestHeadVerdict.Incomplete when !result.IsCompleted:
                    if (!started)
                    {
                        // Kestrel's clock for the head starts with its first byte.
                        started = true;
                        Arm(lane.RequestHeadersTimeout);
                    }

                    _input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                default:
                    // Kestrel answers what the lane does not take, a head cut short included, from its first byte.
                    _input.AdvanceTo(buffer.Start);
                    return Next.HandOver;
            }
        }
    }

    private RequestHeadVerdict Read(in ReadOnlySequence<byte> buffer, out RequestHead head)
    {
        var limits = lane.HeadLimits;
        if (buffer.IsSingleSegment)
        {
            var verdict = RequestHeadReader.Read(buffer.FirstSpan, limits, out head);
            if (verdict == RequestHeadVerdict.Take)
            {
                CopyHead(buffer.FirstSpan[..head.HeadLength]);
            }

            return verdict;
        }

        var length = (int)Math.Min(buffer.Length, limits.MaxRequestLineSize + limits.MaxRequestHeadersTotalSize + 1);
        EnsureHead(length);
        buffer.Slice(0, length).CopyTo(_head);
        return RequestHeadReader.Read(_head.AsSpan(0, length), limits, out head);
    }

    private void CopyHead(ReadOnlySpan<byte> head)
    {
        EnsureHead(head.Length);
        head.CopyTo(_head);
    }

    private void EnsureHead(int length)
    {
        if (_head.Length < length)
        {
            _head = new byte[Math.Max(length, _head.Length * 2)];
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Next> TakeAsync(ReadOnlySequence<byte> buffer, RequestHead head)
    {
        var settings = lane.Settings.Current;
        var path = Serves(settings, head) ? FastLaneAdmission.PathOf(_head.AsSpan(0, head.HeadLength), head) : null;
        if (path is null)
        {
            _input.AdvanceTo(buffer.Start);
            return Next.HandOver;
        }

        var start = Stopwatch.GetTimestamp();
        var snapshot = lane.Store.Current;
        var request = new FastLaneRequest(_head, head.HeadLength, new PathString(path), _peer?.ToString() ?? "");
        var choice = settings.Router.Choose(request, snapshot);
        if (choice.Index >= 0 && !IsPlainHttp1(snapshot.Replicas[choice.Index]))
        {
            settings.Router.Release(choice, choice.Index);
            _input.AdvanceTo(buffer.Start);
            return Next.HandOver;
        }

        _input.AdvanceTo(buffer.GetPosition(head.HeadLength));
        Disarm();
        return await ExchangeAsync(head, path, settings, snapshot, choice, start) ? Next.Continue : Next.Close;
    }

    /// <summary>What the lane does itself under these settings, for this request: everything else is Kestrel's lane's.</summary>
    private bool Serves(GatewaySettings settings, in RequestHead head) =>
        settings.AccessLog == AccessLogFormat.Off
        && settings.RequestConfigs.ActivityTimeout == Timeout.InfiniteTimeSpan
        && settings.Router.ReadsHeadOnly
        && !ForwardingSpanHandler.Source.HasListeners()
        && head.ContentLength <= lane.MaxRequestBodySize
        && _peer is not null && !lane.TrustedProxies.Trusts(_peer);

    private static bool IsPlainHttp1(RoutedReplica replica) =>
        replica.Protocol == ReplicaProtocol.Http1 && replica.Address.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Starts the clock for the next wait: the wait's token is cancelled after <paramref name="timeout"/>.</summary>
    private void Arm(TimeSpan timeout)
    {
        Disarm();
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            _timer.CancelAfter(timeout);
        }
    }

    private void Disarm()
    {
        if (!_timer.TryReset())
        {
            _timer.Dispose();
            _timer = new CancellationTokenSource();
        }
    }

    /// <summary><c>X-Forwarded-For</c>, <c>-Proto</c> and <c>-Host</c> as <see cref="ForwardedHeaders"/> writes them for a peer that is no trusted proxy.</summary>
    private byte[] ForwardedForLine => _forwardedFor ??= Encoding.ASCII.GetBytes(
        $"{ForwardedHeaders.For}: {_peer}\r\n{ForwardedHeaders.Proto}: http\r\n");
}
