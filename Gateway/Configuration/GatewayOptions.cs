using System.ComponentModel.DataAnnotations;

namespace Orleans.LoadBalancer.Gateway.Configuration;

/// <summary>The gateway's behaviour, section <c>Gateway</c>.</summary>
internal sealed class GatewayOptions : IValidatableObject
{
    public const string Section = "Gateway";

    /// <summary>The header that carries the routing key; when absent a random 6-digit id is used and returned in it.</summary>
    [Required]
    public string RequestIdHeader { get; set; } = "X-Request-Id";

    /// <summary>The seed's behaviour: a replica's 404 becomes a 400 "endpoint does not exist". Turn off for real backends.</summary>
    public bool RewriteNotFound { get; set; } = true;

    /// <summary>
    /// How often the gateway renews its ring subscription, which also brings a snapshot it missed (a lost push, a
    /// RingGrain reactivated elsewhere). Cheap: the snapshot is sent only when the gateway lacks it. Well under the
    /// RingGrain's one-minute observer expiry.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:20")]
    public TimeSpan RingRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a replica may take to start answering: from the end of the request (its body sent) to the end of the
    /// response head. It bounds only that wait, never the body that follows or an upgraded connection (a WebSocket);
    /// past it the attempt is the replica's failure (504, or a retry).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ReplicaTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a proxied exchange may go without a byte moving either way once it is under way (nginx's
    /// <c>proxy_read_timeout</c>, per read): response bodies, request bodies and upgraded connections. 0 (the
    /// default) turns it off, so a quiet stream or WebSocket stays open for as long as both ends keep it.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How long the gateway keeps relaying an upgraded connection (a WebSocket) on a replica that left routing (removed
    /// with <c>/rm</c>, drained, or down); then it closes both of its connections. Until then the connection holds a
    /// removed replica's drain, as a request in flight does. 0 closes them as soon as the replica leaves.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan UpgradedDrainTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long opening a connection to a replica may take; past it the attempt is the replica's failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The HTTP client proxied requests go to the replicas with: <c>Sockets</c> (.NET's SocketsHttpHandler) or <c>Lean</c>
    /// (the gateway's own HTTP/1.1 client for plain-http replicas, SocketsHttpHandler for anything else).
    /// </summary>
    [EnumDataType(typeof(UpstreamClientKind))]
    public UpstreamClientKind UpstreamClient { get; set; } = UpstreamClientKind.Sockets;

    /// <summary>
    /// The largest request body the gateway takes, in bytes (Kestrel's default). A request declaring a larger one is
    /// answered 413 before anything reaches a replica; a chunked one is cut off with 413 when it grows past it.
    /// </summary>
    [Range(typeof(long), "1", "9223372036854775807")]
    public long MaxRequestBodySize { get; set; } = 30_000_000;

    /// <summary>
    /// Addresses (<c>10.0.0.7</c>) and networks (<c>10.0.0.0/8</c>) of proxies in front of the gateway. Only from
    /// these is an incoming <c>X-Forwarded-For</c> believed (for the <c>ClientIp</c> key source and logs) and extended;
    /// from anyone else it is replaced by the peer's address. Empty (the default): nobody's.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];

    /// <summary>How long a replica that failed a request is skipped by this gateway.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SuspectFor { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How many other replicas a request that failed on its replica (refused, reset, timed out) is retried on, in the
    /// key's order; safe requests only (GET, HEAD, OPTIONS, or one that never reached the replica). 0 turns retries off.
    /// </summary>
    [Range(0, 5)]
    public int RetryAttempts { get; set; } = 2;

    /// <summary>
    /// Status codes a replica's answer is retried on, on the key's next replica, as long as nothing of it reached the
    /// client: for requests that can be sent again as they were (GET, HEAD, OPTIONS, TRACE, PUT, DELETE without a body).
    /// Comma-separated, 500–599; empty turns it off. Within <see cref="RetryAttempts"/> and <see cref="RetryBudget"/>.
    /// </summary>
    public string RetryOnStatus { get; set; } = "502,503,504";

    /// <summary>The share of traffic retries may take, failures and statuses alike.</summary>
    public RetryBudgetOptions RetryBudget { get; set; } = new();

    /// <summary>Passive health: replicas that fail requests in a row are ejected from this gateway's routing for a while.</summary>
    public OutlierOptions Outlier { get; set; } = new();

    /// <summary>
    /// Run socket completions on the socket engine's thread instead of handing each one to the thread pool
    /// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>). The proxy path never blocks, and on a small machine
    /// shared with its replicas the saved thread hops are a large part of a proxied request's cost.
    /// </summary>
    public bool InlineSocketCompletions { get; set; } = true;

    /// <summary>Kestrel runs request processing on the thread that read the request (its <c>UnsafePreferInlineScheduling</c>).</summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>Where the routing key comes from, in order; empty: the <see cref="RequestIdHeader"/> header.</summary>
    public List<KeySourceOptions> KeySources { get; set; } = [];

    /// <summary>Key sources per path prefix, overriding <see cref="KeySources"/>.</summary>
    public List<KeyRouteOptions> Routes { get; set; } = [];

    /// <summary>
    /// Listen from the start, answering 503 until the first ring is in, so that <c>/readyz</c> can tell a gateway waiting
    /// for its cluster from a dead one (true, the default); or listen only once ready (false), as a gateway taking over
    /// a port another still serves (<see cref="SharePort"/>) must, lest the kernel hand it connections it can only refuse.
    /// The run scripts start their gateways so.
    /// </summary>
    public bool ListenBeforeReady { get; set; } = true;

    /// <summary>
    /// This gateway's name in the <c>Via</c> header it adds to proxied requests, after the cluster id
    /// (<c>Via: 1.1 &lt;cluster&gt;~&lt;name&gt;</c>); letters, digits, <c>.</c>, <c>_</c> and <c>-</c>. Empty (the
    /// default): 8 random hex digits, new for each process.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9._-]{0,64}$", ErrorMessage = "Gateway:Name may hold only letters, digits, '.', '_' and '-' (at most 64).")]
    public string Name { get; set; } = "";

    /// <summary>The access log: off by default.</summary>
    public AccessLogOptions AccessLog { get; set; } = new();

    /// <summary>
    /// Listen on ports another process may listen on too (<c>SO_REUSEPORT</c>, Linux), the kernel spreading new
    /// connections over both: for a hand-over, where a new gateway starts beside the running one, which then stops. Both
    /// need it. Off (the default), a gateway started on a port in use fails at start, where it would otherwise silently
    /// take half of the port's connections.
    /// </summary>
    public bool SharePort { get; set; }

    /// <summary>
    /// The fast lane: plain HTTP/1.1 requests on the traffic port proxied on Kestrel's connection layer, without
    /// ASP.NET Core's request pipeline; any other request, and every feature the lane leaves to it, goes through that
    /// pipeline as before. Off by default.
    /// </summary>
    public bool FastLane { get; set; }

    /// <summary>On SIGTERM the gateway stops accepting and finishes its in-flight requests for at most this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in TrustedProxies)
        {
            if (!TrustedProxyEntry.TryParse(entry, out _))
            {
                yield return new ValidationResult(
                    $"'{entry}' is neither an IP address nor a network in CIDR notation (10.0.0.0/8)", [nameof(TrustedProxies)]);
            }
        }

        if (!RetryStatuses.TryParse(RetryOnStatus, out _, out var statusError))
        {
            yield return new ValidationResult(statusError, [nameof(RetryOnStatus)]);
        }

        foreach (var result in Nested(nameof(RetryBudget), RetryBudget).Concat(Nested(nameof(Outlier), Outlier)))
        {
            yield return result;
        }
    }

    /// <summary>The rules of a subsection, each naming its key under it (<c>Outlier:ConsecutiveFailures</c>).</summary>
    private static IEnumerable<ValidationResult> Nested(string name, object section)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(section, new ValidationContext(section), results, validateAllProperties: true);
        return results.Select(r => new ValidationResult(r.ErrorMessage, r.MemberNames.Select(m => $"{name}:{m}").ToArray()));
    }
}
