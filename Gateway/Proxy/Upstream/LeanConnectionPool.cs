using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Orleans.LoadBalancer.Gateway.Proxy.Upstream;

/// <summary>
/// The idle keep-alive connections to one replica (<c>host:port</c>), most recently used first, at most
/// <see cref="LeanClientSettings.MaxIdleConnectionsPerReplica"/> of them; a connection idle longer than
/// <see cref="LeanClientSettings.IdleTimeout"/> is closed rather than reused.
/// </summary>
internal sealed class LeanConnectionPool
{
    /// <summary>A connection idle at least this long (ms) is polled for a close from the replica before it is reused.</summary>
    private const long PollAfterIdleMs = 500;

    private readonly EndPoint _endPoint;
    private readonly LeanClientSettings _settings;
    private readonly LeanConnection?[] _idle;
    private int _idleCount;
    private int _open;

    public LeanConnectionPool(Uri authority, LeanClientSettings settings)
    {
        _settings = settings;
        _endPoint = IPAddress.TryParse(authority.IdnHost, out var address)
            ? new IPEndPoint(address, authority.Port)
            : new DnsEndPoint(authority.IdnHost, authority.Port);
        HostHeader = Encoding.ASCII.GetBytes($"Host: {(authority.IsDefaultPort ? authority.IdnHost : $"{authority.IdnHost}:{authority.Port}")}\r\n");
        _idle = new LeanConnection?[settings.MaxIdleConnectionsPerReplica];
    }

    /// <summary>The <c>Host</c> line SocketsHttpHandler would send for this replica.</summary>
    public byte[] HostHeader { get; }

    /// <summary>Open connections, idle or busy.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    public int IdleConnections => Volatile.Read(ref _idleCount);

    /// <summary>
    /// An idle connection, or null when there is none. <paramref name="probe"/> false leaves the check for stray bytes
    /// and a close to the caller, who posts the response's first read before sending the request: whatever that read
    /// finds at once came unasked. The socket engine's first try of that read stands in for the probe's ioctl.
    /// </summary>
    public LeanConnection? TryRent(bool probe = true)
    {
        var now = Environment.TickCount64;
        while (true)
        {
            LeanConnection? connection;
            lock (_idle)
            {
                if (_idleCount == 0)
                {
                    return null;
                }

                connection = _idle[--_idleCount];
                _idle[_idleCount] = null;
            }

            var idleFor = now - connection!.IdleSince;
            // Bytes waiting on an idle connection were never asked for (the replica and the gateway disagree on framing):
            // such a connection is never reused. One ioctl; a close is polled for only after a longer idle spell.
            if (idleFor < _settings.IdleTimeout.TotalMilliseconds
                && (!probe || (!connection.HasStray() && (idleFor < PollAfterIdleMs || !connection.HasClosedOrStray()))))
            {
                connection.Reused = true;
                return connection;
            }

            connection.Dispose();
        }
    }

    /// <summary>Takes back a connection whose last response ended exactly where its framing said.</summary>
    public void Return(LeanConnection connection)
    {
        connection.IdleSince = Environment.TickCount64;
        lock (_idle)
        {
            if (_idleCount < _idle.Length)
            {
                _idle[_idleCount++] = connection;
                return;
            }
        }

        connection.Dispose();
    }

    /// <summary>Opens a new connection within the connect timeout; a refusal or timeout is the replica's <see cref="HttpRequestError.ConnectionError"/>.</summary>
    public async ValueTask<LeanConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_settings.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(_endPoint, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"Connecting to {_endPoint} timed out after {_settings.ConnectTimeout}");
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"{e.Message} ({_endPoint})", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Interlocked.Increment(ref _open);
        return new LeanConnection(socket, this);
    }

    /// <summary>Closes the connections idle past the timeout (the handler's timer calls it).</summary>
    public void CloseExpired()
    {
        var now = Environment.TickCount64;
        List<LeanConnection>? expired = null;
        lock (_idle)
        {
            var kept = 0;
            for (var i = 0; i < _idleCount; i++)
            {
                var connection = _idle[i]!;
                if (now - connection.IdleSince >= _settings.IdleTimeout.TotalMilliseconds)
                {
                    (expired ??= []).Add(connection);
                }
                else
                {
                    _idle[kept++] = connection;
                }
            }

            Array.Clear(_idle, kept, _idleCount - kept);
            _idleCount = kept;
        }

        expired?.ForEach(c => c.Dispose());
    }

    public void CloseAll()
    {
        LeanConnection?[] idle;
        lock (_idle)
        {
            idle = _idle[.._idleCount];
            Array.Clear(_idle);
            _idleCount = 0;
        }

        foreach (var connection in idle)
        {
            connection!.Dispose();
        }
    }

    internal void OnClosed() => Interlocked.Decrement(ref _open);
}
