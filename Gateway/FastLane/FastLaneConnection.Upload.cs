using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>
/// A request body on its way from the client to the replica, read from the client's pipe as it arrives: a length as
/// declared, or chunks decoded strictly (<see cref="ChunkedDecoder"/>) and framed again by the lane. A body that comes
/// too slowly (Kestrel's minimum data rate), grows past <c>Gateway:MaxRequestBodySize</c>, or is malformed or cut short
/// is the client's fault, answered as the Kestrel lane answers it.
/// </summary>
internal sealed partial class FastLaneConnection
{
    private const int ScratchSize = 16 * 1024;

    private int _bodyFault;
    private byte[]? _scratch;

    private string BodyFaultMessage(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => $"The request body is larger than the gateway takes ({lane.MaxRequestBodySize} bytes)",
        StatusCodes.Status408RequestTimeout => "The request body did not arrive in time",
        0 => "the client went away",
        _ => "The request body was malformed or ended early",
    };

    /// <summary>Sends the composed head and <paramref name="length"/> body bytes from the client; false when the client did not send them (<see cref="_bodyFault"/> says why).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> SendBodyAsync(LeanConnection upstream, long length)
    {
        var started = Environment.TickCount64;
        var received = 0L;
        while (received < length)
        {
            if (await ReadBodyAsync(started, received) is not { } read)
            {
                return false;
            }

            var buffer = read.Buffer;

            var take = (int)Math.Min(length - received, Math.Min(buffer.Length, BodyChunk * 4));
            foreach (var segment in buffer.Slice(0, take))
            {
                if (upstream.Pending + segment.Length <= BodyChunk)
                {
                    // A small body goes with the head in one send.
                    upstream.Write(segment.Span);
                }
                else
                {
                    await upstream.SendAsync(segment, connection.ConnectionClosed);
                }
            }

            received += take;
            _input.AdvanceTo(buffer.GetPosition(take));
        }

        Disarm();
        await upstream.FlushAsync(connection.ConnectionClosed);
        return true;
    }

    /// <summary>Decodes the client's chunks and sends the data on in chunks of the lane's own framing, the last one and no trailers at the end.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> SendChunkedBodyAsync(LeanConnection upstream)
    {
        var decoder = new ChunkedDecoder();
        var started = Environment.TickCount64;
        var received = 0L;
        while (true)
        {
            if (await ReadBodyAsync(started, received) is not { } read)
            {
                return false;
            }

            var (buffer, completed) = read;

            var status = DecodeAvailable(buffer, decoder, upstream, ref received, out var used, out var examined);
            if (status == ChunkedStatus.Done)
            {
                _input.AdvanceTo(buffer.GetPosition(used));
                upstream.Write("0\r\n\r\n"u8);
                Disarm();
                await upstream.FlushAsync(connection.ConnectionClosed);
                return true;
            }

            if (status == ChunkedStatus.Invalid)
            {
                _input.AdvanceTo(buffer.GetPosition(used));
                return false;
            }

            _input.AdvanceTo(buffer.GetPosition(used), examined == buffer.Length ? buffer.End : buffer.GetPosition(examined));
            if (completed && examined == buffer.Length)
            {
                _bodyFault = StatusCodes.Status400BadRequest;
                return false;
            }

            if (upstream.Pending >= BodyChunk)
            {
                await upstream.FlushAsync(connection.ConnectionClosed);
            }
        }
    }

    /// <summary>
    /// Decodes what has arrived, composing each chunk's data for the replica. <see cref="ChunkedStatus.Invalid"/> for
    /// bad framing or a body past the limit (<see cref="_bodyFault"/> says which); <paramref name="used"/> is how much
    /// was consumed, <paramref name="examined"/> how much was looked at.
    /// </summary>
    private ChunkedStatus DecodeAvailable(in ReadOnlySequence<byte> buffer, ChunkedDecoder decoder, LeanConnection upstream, ref long received, out int used, out long examined)
    {
        var input = Contiguous(buffer, out examined);
        used = 0;
        while (true)
        {
            var status = decoder.Decode(input[used..], int.MaxValue, out var consumed, out var offset, out var length);
            if (status == ChunkedStatus.Data)
            {
                received += length;
                if (received > lane.MaxRequestBodySize)
                {
                    _bodyFault = StatusCodes.Status413PayloadTooLarge;
                    return ChunkedStatus.Invalid;
                }

                WriteUpstreamChunk(upstream, input.Slice(used + offset, length));
            }

            used += consumed;
            if (status == ChunkedStatus.Invalid)
            {
                _bodyFault = StatusCodes.Status400BadRequest;
            }

            if (status != ChunkedStatus.Data)
            {
                return status;
            }
        }
    }

    /// <summary>
    /// Waits for body bytes within Kestrel's minimum data rate (a grace period, then the bytes so far must keep up);
    /// null when none came in time (<see cref="_bodyFault"/> 408) or the client is gone.
    /// </summary>
    private async ValueTask<(ReadOnlySequence<byte> Buffer, bool Completed)?> ReadBodyAsync(long started, long received)
    {
        if (lane.MinBodyRate is { } rate)
        {
            var allowed = rate.GracePeriod + TimeSpan.FromSeconds(received / rate.BytesPerSecond) - TimeSpan.FromMilliseconds(Environment.TickCount64 - started);
            Arm(allowed > TimeSpan.Zero ? allowed : TimeSpan.FromTicks(1));
        }

        ReadResult result;
        try
        {
            result = await _input.ReadAsync(_timer.Token);
        }
        catch (OperationCanceledException)
        {
            _bodyFault = StatusCodes.Status408RequestTimeout;
            return null;
        }

        if (result.Buffer.IsEmpty && (result.IsCompleted || result.IsCanceled))
        {
            _input.AdvanceTo(result.Buffer.Start);
            _bodyFault = StatusCodes.Status400BadRequest;
            return null;
        }

        return (result.Buffer, result.IsCompleted);
    }

    /// <summary>The start of <paramref name="buffer"/> as one span: the buffer's first segment, or a copy of up to 16 kB of it; <paramref name="examined"/> is how much it holds.</summary>
    private ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> buffer, out long examined)
    {
        if (buffer.IsSingleSegment)
        {
            examined = buffer.Length;
            return buffer.FirstSpan;
        }

        _scratch ??= new byte[ScratchSize];
        var length = (int)Math.Min(buffer.Length, ScratchSize);
        buffer.Slice(0, length).CopyTo(_scratch);
        examined = length;
        return _scratch.AsSpan(0, length);
    }

    private static void WriteUpstreamChunk(LeanConnection upstream, ReadOnlySpan<byte> data)
    {
        if (data.Length == 0)
        {
            return;
        }

        var size = upstream.GetWriteSpan(10 + data.Length + 2);
        data.Length.TryFormat(size, out var written, "x", CultureInfo.InvariantCulture);
        "\r\n"u8.CopyTo(size[written..]);
        data.CopyTo(size[(written + 2)..]);
        "\r\n"u8.CopyTo(size[(written + 2 + data.Length)..]);
        upstream.Advance(written + 2 + data.Length + 2);
    }
}
