using System.Text;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

/// <summary>
/// Generates the requests of <see cref="FastLaneDifferentialTests"/> from a seed: every method, header sets that vary
/// (custom, repeated, padded, differently cased fields; with and without <c>X-Request-Id</c>, cookies, trace context,
/// forwarding fields from an untrusted peer), bodies from none to 8 MB by <c>Content-Length</c> or chunked (with chunk
/// extensions at times), targets that Kestrel normalises, and requests the client abandons mid-body. They are grouped
/// into connections of up to eight requests, some written pipelined.
/// </summary>
internal static class DifferentialCorpus
{
    private static readonly string[] Methods = ["GET", "GET", "GET", "GET", "HEAD", "POST", "POST", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"];
    private static readonly int[] Statuses = [200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 409, 422, 429, 500, 501, 502, 503, 504];
    private static readonly string[] Accepts = ["*/*", "application/json", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "image/avif,image/webp"];
    private static readonly string[] Suffixes = ["", "", "", "", "?q=1", "?a=1&b=two&c=", "/extra/segment", "?x=%41%42", "?x=%2F%3d%20y+z", "/a%20b", "/./dot", "/x/../up", "//double", "?k=v;w"];

    /// <summary>About <paramref name="count"/> requests, <paramref name="largeBodies"/> of them with a body of 1 to 8 MB (one of exactly 8 MB).</summary>
    public static List<ClientScript> Generate(int seed, int count, int largeBodies)
    {
        var random = new Random(seed);
        var scripts = new List<ClientScript>();
        var largeAt = Enumerable.Range(0, largeBodies).Select(_ => random.Next(count)).ToHashSet();
        var next = 0;
        while (next < count)
        {
            var length = 1 + random.Next(8);
            var groups = new List<IReadOnlyList<GeneratedRequest>>();
            var ended = false;
            for (var i = 0; i < length && !ended && next < count; )
            {
                var pipelined = random.Next(4) == 0 ? 2 + random.Next(2) : 1;
                var group = new List<GeneratedRequest>();
                for (var j = 0; j < pipelined && i < length && !ended && next < count; j++, i++, next++)
                {
                    var large = largeAt.Contains(next) ? (largeAt.Count(at => at < next) == 0 ? 8 * 1024 * 1024 : 1024 * 1024 + random.Next(7 * 1024 * 1024)) : -1;
                    var request = Request(random, $"d{next}", large, allowAbort: pipelined == 1);
                    group.Add(request);
                    ended = request.Close || request.Abort;
                }

                groups.Add(group);
            }

            scripts.Add(new ClientScript(scripts.Count, groups));
        }

        return scripts;
    }

    private static GeneratedRequest Request(Random random, string id, int largeBody, bool allowAbort)
    {
        var method = largeBody >= 0 ? (random.Next(2) == 0 ? "POST" : "PUT") : Methods[random.Next(Methods.Length)];
        var target = Target(random);
        var fields = new List<string> { "Host: lanes.test", $"X-Case: {id}" };

        var hasRequestId = random.Next(2) == 0;
        if (hasRequestId)
        {
            fields.Add($"{Cased(random, "X-Request-Id")}: key-{random.Next(100_000)}");
        }

        void Maybe(int percent, string field)
        {
            if (random.Next(100) < percent)
            {
                fields.Add(field);
            }
        }

        Maybe(60, "User-Agent: lanetest/1.0 (raw sockets)");
        Maybe(50, $"Accept: {Accepts[random.Next(Accepts.Length)]}");
        Maybe(30, "Accept-Encoding: gzip, deflate, br");
        Maybe(20, "Accept-Language: en-GB,en;q=0.8");
        Maybe(20, "Cookie: session=abc123; theme=dark");
        Maybe(10, "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln");
        Maybe(10, "Cache-Control: no-cache");
        Maybe(10, "Referer: http://lanes.test/from?page=1");
        Maybe(5, "Origin: http://lanes.test");
        Maybe(5, "If-None-Match: \"abc\", W/\"def\"");
        Maybe(10, $"traceparent: 00-{Hex(random, 32)}-{Hex(random, 16)}-01");
        Maybe(5, "X-Forwarded-For: 10.1.2.3");
        Maybe(5, "X-Forwarded-Host: elsewhere.test");
        Maybe(5, "X-Forwarded-Proto: https");
        Maybe(3, "Via: 1.1 upstream-proxy");
        Maybe(10, $"{Cased(random, "X-Padded")}: \t  padded value \t ");
        Maybe(5, "X-Empty:");
        Maybe(15, "Connection: keep-alive");
        for (var i = random.Next(4); i > 0; i--)
        {
            fields.Add($"{Cased(random, $"X-Custom-{random.Next(6)}")}: {Token(random)}");
        }

        if (random.Next(8) == 0)
        {
            for (var i = 2 + random.Next(2); i > 0; i--)
            {
                fields.Add($"{Cased(random, "X-Repeated")}: {Token(random)}");
            }
        }

        var close = random.Next(50) == 0;
        if (close)
        {
            fields.Add("Connection: close");
        }

        var bodyLength = largeBody >= 0 ? largeBody : BodyLength(random, method);
        var body = new byte[Math.Max(bodyLength, 0)];
        random.NextBytes(body);
        var chunked = bodyLength >= 0 && random.Next(8) == 0;
        if (chunked)
        {
            fields.Add("Transfer-Encoding: chunked");
        }
        else if (bodyLength >= 0)
        {
            fields.Add($"Content-Length: {bodyLength}");
        }

        if (bodyLength > 0)
        {
            Maybe(50, "Content-Type: application/octet-stream");
        }

        // Host first as most clients send it, elsewhere at times.
        var order = random.Next(4) == 0 ? fields.OrderBy(_ => random.Next()).ToList() : fields;
        var head = Encoding.Latin1.GetBytes($"{method} {target} HTTP/1.1\r\n{string.Join("\r\n", order)}\r\n\r\n");
        var framed = chunked ? Chunked(random, body) : body;
        var abort = allowAbort && !close && bodyLength >= 100 && random.Next(30) == 0;
        return new GeneratedRequest(id, method, [.. head, .. framed], head.Length, body.Length, GeneratedRequest.Sha256(body), chunked, hasRequestId, close, abort);
    }

    private static string Target(Random random)
    {
        var size = random.Next(10) switch
        {
            < 6 => random.Next(2000),
            < 9 => random.Next(64 * 1024),
            _ => random.Next(1024 * 1024),
        };
        var path = random.Next(20) switch
        {
            < 10 => $"/len/{size}",
            < 13 => $"/chunked/{size}",
            < 17 => $"/status/{Statuses[random.Next(Statuses.Length)]}",
            < 19 => $"/close/{size}",
            _ => $"/missing/{random.Next(100)}",
        };
        return path + Suffixes[random.Next(Suffixes.Length)];
    }

    /// <summary>-1: no body and no framing field.</summary>
    private static int BodyLength(Random random, string method)
    {
        var usuallyBodied = method is "POST" or "PUT" or "PATCH";
        var roll = random.Next(100);
        return usuallyBodied
            ? roll switch { < 10 => -1, < 20 => 0, < 75 => 1 + random.Next(4096), _ => 4096 + random.Next(256 * 1024) }
            : roll switch { < 85 => -1, < 90 => 0, _ => 1 + random.Next(2048) };
    }

    private static byte[] Chunked(Random random, byte[] body)
    {
        using var framed = new MemoryStream();
        for (var offset = 0; offset < body.Length;)
        {
            var size = Math.Min(body.Length - offset, 1 + random.Next(random.Next(2) == 0 ? 64 : 32 * 1024));
            var extension = random.Next(10) == 0 ? ";ext=\"v\"" : "";
            framed.Write(Encoding.ASCII.GetBytes($"{size:x}{extension}\r\n"));
            framed.Write(body, offset, size);
            framed.Write("\r\n"u8);
            offset += size;
        }

        framed.Write("0\r\n\r\n"u8);
        return framed.ToArray();
    }

    private static string Cased(Random random, string name) => random.Next(4) switch
    {
        0 => name.ToLowerInvariant(),
        1 => name.ToUpperInvariant(),
        _ => name,
    };

    private static string Token(Random random)
    {
        const string Characters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$&'*+=:/?@ ()";
        var length = 1 + random.Next(40);
        var token = new char[length];
        for (var i = 0; i < length; i++)
        {
            token[i] = Characters[random.Next(Characters.Length)];
        }

        return new string(token).Trim();
    }

    private static string Hex(Random random, int digits) =>
        string.Concat(Enumerable.Range(0, digits).Select(_ => "0123456789abcdef"[random.Next(16)]));
}
