using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Orleans.LoadBalancer.Gateway.Proxy.Upstream;
using Orleans.LoadBalancer.Gateway.Responses;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>The lane's answers: a replica's response relayed, or the gateway's own error in the seed's shape.</summary>
internal sealed partial class FastLaneConnection
{
    private bool _headOpen;

    /// <summary>
    /// Passes the replica's response on: its status and fields with the gateway's (<c>X-Replica</c>, <c>X-Attempts</c>, a
    /// generated request id), its body re-framed as Kestrel frames it (a length as given; chunks otherwise). A 404 becomes
    /// the seed's 400 when <c>Gateway:RewriteNotFound</c> is on. False when the exchange broke off midway.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> RelayAsync(LeanConnection upstream, ResponseHead response, string replica, int attempts, string? generated, bool keepAlive, string path)
    {
        if (lane.RewriteNotFound && response.StatusCode == 404)
        {
            upstream.Dispose();
            var body = Encoding.UTF8.GetBytes(ApiEnvelope.Error($"'{path}' endpoint does not exist in server replicas"));
            WriteStatusLine(400, null);
            WriteGatewayFields(replica, attempts, generated, keepAlive, replicaFields: true, bodyReplaced: true);
            WriteJsonBody(body);
            return !(await _output.FlushAsync()).IsCompleted;
        }

        WriteStatusLine(response.StatusCode, _reason);
        WriteGatewayFields(replica, attempts, generated, keepAlive, replicaFields: true, bodyReplaced: false);
        // A body of unknown length: the head is ended, and sent, with its first bytes, as Kestrel sends what the Kestrel
        // lane's forwarder writes; a body that turns out empty goes as Content-Length: 0.
        _headOpen = response.Framing is BodyFraming.Chunked or BodyFraming.UntilClose;
        if (!_headOpen)
        {
            _output.Write("\r\n"u8);
        }

        var complete = response.Framing switch
        {
            BodyFraming.None => true,
            BodyFraming.ContentLength => await CopyLengthAsync(upstream, response.ContentLength),
            BodyFraming.Chunked => await CopyChunksAsync(upstream),
            _ => await CopyUntilCloseAsync(upstream),
        };
        var flushed = !(await _output.FlushAsync()).IsCompleted;
        if (complete && response.KeepAlive && response.Framing != BodyFraming.UntilClose && upstream.Buffered.Length == 0)
        {
            upstream.Pool.Return(upstream);
        }
        else
        {
            upstream.Dispose();
        }

        return complete && flushed;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> CopyLengthAsync(LeanConnection upstream, long length)
    {
        var buffered = upstream.Buffered;
        var take = (int)Math.Min(length, buffered.Length);
        _output.Write(buffered[..take]);
        upstream.ReadStart += take;
        var remaining = length - take;
        while (remaining > 0)
        {
            var memory = _output.GetMemory(BodyChunk);
            var read = await upstream.ReceiveAsync(memory[..(int)Math.Min(memory.Length, remaining)], connection.ConnectionClosed);
            if (read == 0)
            {
                return false;
            }

            _output.Advance(read);
            remaining -= read;
            if ((await _output.FlushAsync()).IsCompleted)
            {
                return false;
            }
        }

        return true;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> CopyChunksAsync(LeanConnection upstream)
    {
        var decoder = new ChunkedDecoder();
        while (true)
        {
            var status = decoder.Decode(upstream.Buffered, int.MaxValue, out var consumed, out var offset, out var length);
            if (status == ChunkedStatus.Data)
            {
                WriteChunk(upstream.Buffered.Slice(offset, length));
            }

            upstream.ReadStart += consumed;
            switch (status)
            {
                case ChunkedStatus.Done:
                    EndBody();
                    return true;
                case ChunkedStatus.Invalid:
                    return false;
                case ChunkedStatus.NeedMoreData:
                    if ((!_headOpen && (await _output.FlushAsync()).IsCompleted)
                        || !await upstream.FillAsync(ChunkedDecoder.MaxTrailerLength + BodyChunk, connection.ConnectionClosed))
                    {
                        return false;
                    }

                    break;
            }
        }
    }

    private async ValueTask<bool> CopyUntilCloseAsync(LeanConnection upstream)
    {
        while (true)
        {
            if (upstream.Buffered.Length > 0)
            {
                WriteChunk(upstream.Buffered);
                upstream.ReadStart += upstream.Buffered.Length;
            }

            if (!_headOpen && (await _output.FlushAsync()).IsCompleted)
            {
                return false;
            }

            if (!await upstream.FillAsync(BodyChunk, connection.ConnectionClosed))
            {
                EndBody();
                return true;
            }
        }
    }

    private void WriteChunk(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0)
        {
            return;
        }

        if (_headOpen)
        {
            _output.Write("Transfer-Encoding: chunked\r\n\r\n"u8);
            _headOpen = false;
        }

        var size = _output.GetSpan(10);
        data.Length.TryFormat(size, out var written, "x", CultureInfo.InvariantCulture);
        "\r\n"u8.CopyTo(size[written..]);
        _output.Advance(written + 2);
        _output.Write(data);
        _output.Write("\r\n"u8);
    }

    /// <summary>Ends a body of unknown length: the last chunk, or, when no byte of it came, the head with an empty length.</summary>
    private void EndBody()
    {
        _output.Write(_headOpen ? "Content-Length: 0\r\n\r\n"u8 : "0\r\n\r\n"u8);
        _headOpen = false;
    }

    /// <summary>The gateway's own answer, <c>{"message": "&lt;Error&gt; …", "status": "failure"}</c>, as <see cref="ApiEnvelope"/> writes it.</summary>
    private async ValueTask WriteFailureAsync(int status, string message, string? replica, string? generated, bool keepAlive)
    {
        WriteStatusLine(status, null);
        WriteGatewayFields(replica, 1, generated, keepAlive, replicaFields: false, bodyReplaced: true);
        WriteJsonBody(Encoding.UTF8.GetBytes(ApiEnvelope.Error(message)));
        await _output.FlushAsync();
    }

    /// <summary>The JSON body as Kestrel sends what <see cref="ApiEnvelope.WriteFailureAsync"/> writes: one chunk.</summary>
    private void WriteJsonBody(byte[] body)
    {
        if (_isHead)
        {
            // Kestrel sends no body, and no framing for one, after a HEAD.
            _output.Write("Content-Type: application/json\r\n\r\n"u8);
            return;
        }

        _output.Write("Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"u8);
        WriteChunk(body);
        _output.Write("0\r\n\r\n"u8);
    }

    private void WriteStatusLine(int status, string? reason)
    {
        _output.Write("HTTP/1.1 "u8);
        WriteAscii(status.ToString(CultureInfo.InvariantCulture));
        _output.Write(" "u8);
        var text = reason ?? ReasonPhrases.GetReasonPhrase(status);
        var span = _output.GetSpan(text.Length);
        _output.Advance(Encoding.Latin1.GetBytes(text, span));
        _output.Write("\r\n"u8);
    }

    private void WriteGatewayFields(string? replica, int attempts, string? generated, bool keepAlive, bool replicaFields, bool bodyReplaced)
    {
        if (!replicaFields || !_fields.HasDate)
        {
            _output.Write(HttpDate.Line);
        }

        if (replicaFields)
        {
            _fields.WriteTo(_output, generated is null ? [] : lane.RequestIdHeaderBytes, bodyReplaced);
        }

        if (replica is not null)
        {
            _output.Write("X-Replica: "u8);
            var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(replica.Length));
            _output.Advance(Encoding.UTF8.GetBytes(replica, span));
            _output.Write("\r\n"u8);
        }

        if (generated is not null)
        {
            _output.Write(lane.RequestIdHeaderBytes);
            _output.Write(": "u8);
            WriteAscii(generated);
            _output.Write("\r\n"u8);
        }

        if (attempts > 1)
        {
            _output.Write("X-Attempts: "u8);
            WriteAscii(attempts.ToString(CultureInfo.InvariantCulture));
            _output.Write("\r\n"u8);
        }

        if (!keepAlive)
        {
            _output.Write("Connection: close\r\n"u8);
        }
    }

    private void WriteAscii(string text)
    {
        var span = _output.GetSpan(text.Length);
        _output.Advance(Encoding.ASCII.GetBytes(text, span));
    }
}
