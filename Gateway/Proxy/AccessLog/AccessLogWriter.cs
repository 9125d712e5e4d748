using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orleans.LoadBalancer.Gateway.Configuration;
using Orleans.LoadBalancer.Gateway.Metrics;

namespace Orleans.LoadBalancer.Gateway.Proxy.AccessLog;

/// <summary>
/// Writes access log lines to standard output or <c>Gateway:AccessLog:Path</c> from a background task, never on the
/// request path: a request only puts its <see cref="AccessLogEntry"/> in a bounded queue. When the queue is full (the
/// output cannot keep up, a blocked pipe) the line is dropped and counted in <c>lb.gateway.access_log.dropped</c>
/// rather than slowing requests. Lines leave in batches of at most 4 kB cut at line ends, so on a pipe shared with the
/// console log (writes up to 4 kB are atomic) a line is never split by another. It keeps writing until the host is
/// disposed, after the web server stopped, so the requests finished during a graceful stop are logged too.
/// </summary>
internal sealed class AccessLogWriter(IOptions<GatewayOptions> options, GatewayMetrics metrics, ILogger<AccessLogWriter> logger) : IHostedService, IAsyncDisposable
{
    public const int Capacity = 8192;

    private const int BatchBytes = 4096;

    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(2);

    private readonly Channel<AccessLogEntry> _queue = Channel.CreateBounded<AccessLogEntry>(new BoundedChannelOptions(Capacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly string _path = options.Value.AccessLog.Path;
    private Task _draining = Task.CompletedTask;

    /// <summary>Queues the line; never waits.</summary>
    public void Write(AccessLogEntry entry)
    {
        if (!_queue.Writer.TryWrite(entry))
        {
            metrics.AccessLogDropped();
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _draining = Task.Run(DrainAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _draining.WaitAsync(StopLimit);
        }
        catch (TimeoutException)
        {
            // The output is stuck: what is still queued is lost with the process.
        }
    }

    private async Task DrainAsync()
    {
        var reader = _queue.Reader;
        var json = new JsonAccessLine();
        var line = new ArrayBufferWriter<byte>(512);
        var batch = new ArrayBufferWriter<byte>(BatchBytes * 2);
        Stream? output = null;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                output ??= Open();
                while (reader.TryRead(out var entry))
                {
                    line.ResetWrittenCount();
                    if (entry.Format == AccessLogFormat.Json)
                    {
                        json.Write(entry, line);
                    }
                    else
                    {
                        CombinedAccessLine.Write(entry, line);
                    }

                    if (batch.WrittenCount > 0 && batch.WrittenCount + line.WrittenCount > BatchBytes)
                    {
                        await WriteAsync(output, batch);
                    }

                    batch.Write(line.WrittenSpan);
                }

                await WriteAsync(output, batch);
                await output.FlushAsync();
            }
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "The access log stopped: it could not be written to {Output}", _path.Length == 0 ? "standard output" : _path);
        }
        finally
        {
            if (output is not null)
            {
                await output.DisposeAsync();
            }
        }
    }

    private Stream Open() => _path.Length == 0
        ? Console.OpenStandardOutput()
        : new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);

    private static async ValueTask WriteAsync(Stream output, ArrayBufferWriter<byte> batch)
    {
        if (batch.WrittenCount > 0)
        {
            await output.WriteAsync(batch.WrittenMemory);
            batch.ResetWrittenCount();
        }
    }
}
