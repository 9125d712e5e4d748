using System.Text;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

/// <summary>
/// A request built to be read two ways, then a plain <c>GET /s/&lt;name&gt;/second</c>, written together on one
/// connection. Where a reading would find a request inside the first one's body, that request is
/// <c>GET /smuggled/&lt;name&gt;</c>. <see cref="Control"/>: a plain request every reader takes, for the harness.
/// </summary>
internal sealed record SmugglingCase(string Name, byte[] Bytes, bool Control = false)
{
    public string Case => $"s-{Name}";

    public string FirstPath => $"/s/{Name}/first";

    public string SecondPath => $"/s/{Name}/second";

    public string Describe() => Encoding.Latin1.GetString(Bytes)
        .Replace("\0", "\\0", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}

/// <summary>The request-smuggling corpus of <see cref="FastLaneSmugglingTests"/>.</summary>
internal static class SmugglingCorpus
{
    public static IReadOnlyList<SmugglingCase> Cases()
    {
        var cases = new List<SmugglingCase>
        {
            Case("control-get", name => Head("GET", name, [])),
            Case("control-length", name => Head("POST", name, ["Content-Length: 5"]) + "hello"),
            Case("control-chunked", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + "5\r\nhello\r\n0\r\n\r\n"),
        };
        cases = cases.Select(c => c with { Control = true }).ToList();

        // CL.TE: the length covers the smuggled request; the chunked coding ends before it.
        cases.Add(Case("cl-te", name => ClTe(name, "Transfer-Encoding: chunked")));
        // TE.CL: the chunked coding covers the smuggled request; the length ends before it.
        cases.Add(Case("te-cl", name => TeCl(name, "Transfer-Encoding: chunked")));

        // TE.TE: codings a reader may or may not take for chunked, each with both shapes.
        string[][] codings =
        [
            ["Transfer-Encoding: chunked, identity"],
            ["Transfer-Encoding: identity, chunked"],
            ["Transfer-Encoding:  chunked"],
            ["Transfer-Encoding:\tchunked"],
            ["Transfer-Encoding: xchunked"],
            ["Transfer-Encoding: chunked\t"],
            ["Transfer-Encoding: CHUNKED"],
            ["Transfer-Encoding: \"chunked\""],
            ["Transfer-Encoding : chunked"],
            [" Transfer-Encoding: chunked"],
            ["Transfer-Encoding: chunked", "Transfer-Encoding: identity"],
            ["Transfer-Encoding: identity", "Transfer-Encoding: chunked"],
            ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
            ["Transfer-Encoding:\r\n chunked"],
            ["X-Folded: a\r\n\tTransfer-Encoding: chunked"],
            ["X-Bare-Lf: a\nTransfer-Encoding: chunked"],
            ["X-Bare-Cr: a\rTransfer-Encoding: chunked"],
            ["X-Nul: a\0\r\nTransfer-Encoding: chunked"],
        ];
        for (var i = 0; i < codings.Length; i++)
        {
            var fields = codings[i];
            cases.Add(Case($"te{i}-cl-te", name => ClTe(name, fields)));
            cases.Add(Case($"te{i}-te-cl", name => TeCl(name, fields)));
        }

        // Two lengths, or one a reader may parse otherwise: one reading ends the body before the smuggled request.
        string[][] lengths =
        [
            ["Content-Length: 0", "Content-Length: {n}"],
            ["Content-Length: {n}", "Content-Length: 0"],
            ["Content-Length: {n}", "Content-Length: {n}"],
            ["Content-Length: {n}, {n}"],
            ["Content-Length: 0, {n}"],
            ["Content-Length: +{n}"],
            ["Content-Length: 0x{x}"],
            ["Content-Length: {x}h"],
            ["Content-Length: -1"],
            ["Content-Length: 0{n}"],
            ["Content-Length: {n}.0"],
            ["Content-Length: {n} 0"],
            ["Content-Length: 99999999999999999999999"],
            ["Content-Length:\r\n {n}"],
            ["Content-Length : {n}"],
        ];
        for (var i = 0; i < lengths.Length; i++)
        {
            var fields = lengths[i];
            cases.Add(Case($"cl{i}", name =>
            {
                var smuggled = Smuggled(name);
                var resolved = fields.Select(f => f.Replace("{n}", $"{smuggled.Length}", StringComparison.Ordinal).Replace("{x}", $"{smuggled.Length:x}", StringComparison.Ordinal));
                return Head("POST", name, resolved) + smuggled;
            }));
        }

        // Line ends and bytes a lenient reader takes.
        cases.Add(Case("bare-lf-head", name => Head("POST", name, [$"Content-Length: {Smuggled(name).Length}"]).Replace("\r\n", "\n", StringComparison.Ordinal) + Smuggled(name)));
        cases.Add(Case("bare-lf-request-line", name => $"POST {FirstPath(name)} HTTP/1.1\nHost: lanes.test\r\nX-Case: s-{name}\r\nContent-Length: 0\r\n\r\n"));
        cases.Add(Case("bare-cr-request-line", name => $"GET {FirstPath(name)} HTTP/1.1\rGET /smuggled/{name} HTTP/1.1\r\nHost: lanes.test\r\nX-Case: s-{name}\r\n\r\n"));
        cases.Add(Case("bare-cr-field", name => Head("GET", name, ["X-Bare: a\rb"])));
        cases.Add(Case("nul-field", name => Head("GET", name, ["X-Nul: a\0b"])));
        cases.Add(Case("nul-field-name", name => Head("GET", name, ["X-N\0ul: a"])));
        cases.Add(Case("obs-fold", name => Head("GET", name, ["X-Folded: a\r\n b"])));

        // Chunk sizes and extensions.
        cases.Add(Case("chunk-ext-nul", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + "5;ext=\0x\r\nhello\r\n0\r\n\r\n"));
        cases.Add(Case("chunk-ext-lf", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + $"5;ext\nx\r\nhello\r\n0\r\n\r\n"));
        cases.Add(Case("chunk-ext-request", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + $"0;{Smuggled(name).Replace("\r\n", "\n", StringComparison.Ordinal)}\r\n\r\n"));
        cases.Add(Case("chunk-overflow", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + $"ffffffffffffffffff\r\n{Smuggled(name)}\r\n0\r\n\r\n"));
        cases.Add(Case("chunk-overflow-wrap", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + $"1000000000000000{Smuggled(name).Length:x}\r\n{Smuggled(name)}\r\n0\r\n\r\n"));
        cases.Add(Case("chunk-size-0x", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + $"0x{Smuggled(name).Length:x}\r\n{Smuggled(name)}\r\n0\r\n\r\n"));
        cases.Add(Case("chunk-size-negative", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + $"-{Smuggled(name).Length:x}\r\n{Smuggled(name)}\r\n0\r\n\r\n"));
        cases.Add(Case("chunk-size-space", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + $"{Smuggled(name).Length:x} \r\n{Smuggled(name)}\r\n0\r\n\r\n"));
        cases.Add(Case("chunk-no-crlf", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + $"3\r\nabcX{Smuggled(name)}\r\n0\r\n\r\n"));
        cases.Add(Case("chunk-lf-only", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + $"3\nabc\n0\n\n{Smuggled(name)}"));
        // Kestrel ends a trailer section at a bare LF (RFC 9112 §2.2 allows it), so what follows is the second request.
        cases.Add(Case("chunk-trailer-lf", name => Head("POST", name, ["Transfer-Encoding: chunked"]) + "0\r\nX-Trailer: a\n\n"));

        // Versions, targets and hosts.
        cases.Add(Case("http10-te-cl-te", name => ClTe(name, "Transfer-Encoding: chunked", "Connection: keep-alive").Replace("HTTP/1.1\r\nHost", "HTTP/1.0\r\nHost", StringComparison.Ordinal)));
        cases.Add(Case("http10-te-te-cl", name => TeCl(name, "Transfer-Encoding: chunked", "Connection: keep-alive").Replace("HTTP/1.1\r\nHost", "HTTP/1.0\r\nHost", StringComparison.Ordinal)));
        cases.Add(Case("http10-te-only", name => Head("POST", name, ["Transfer-Encoding: chunked", "Connection: keep-alive"]).Replace("HTTP/1.1\r\nHost", "HTTP/1.0\r\nHost", StringComparison.Ordinal) + "5\r\nhello\r\n0\r\n\r\n"));
        cases.Add(Case("http09", name => $"GET {FirstPath(name)}\r\n"));
        cases.Add(Case("http2-version", name => Head("GET", name, []).Replace("HTTP/1.1\r\nHost", "HTTP/2.0\r\nHost", StringComparison.Ordinal)));
        cases.Add(Case("absolute-form", name => Head("GET", name, []).Replace($"GET {FirstPath(name)}", $"GET http://lanes.test{FirstPath(name)}", StringComparison.Ordinal)));
        cases.Add(Case("absolute-form-other-host", name => Head("GET", name, []).Replace($"GET {FirstPath(name)}", $"GET http://other.test{FirstPath(name)}", StringComparison.Ordinal)));
        cases.Add(Case("asterisk-options", name => Head("OPTIONS", name, []).Replace($"OPTIONS {FirstPath(name)}", "OPTIONS *", StringComparison.Ordinal)));
        cases.Add(Case("asterisk-get", name => Head("GET", name, []).Replace($"GET {FirstPath(name)}", "GET *", StringComparison.Ordinal)));
        cases.Add(Case("authority-form", name => Head("CONNECT", name, []).Replace($"CONNECT {FirstPath(name)}", "CONNECT other.test:80", StringComparison.Ordinal)));
        cases.Add(Case("two-hosts", name => Head("GET", name, ["Host: other.test"])));
        cases.Add(Case("no-host", name => Head("GET", name, []).Replace("Host: lanes.test\r\n", "", StringComparison.Ordinal)));
        cases.Add(Case("h2c-upgrade", name => Head("GET", name, ["Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"])));
        cases.Add(Case("h2c-upgrade-body", name => Head("POST", name, ["Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA", $"Content-Length: {Smuggled(name).Length}"]) + Smuggled(name)));
        cases.Add(Case("h2-preface", _ => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        cases.Add(Case("expect-continue", name => Head("POST", name, ["Expect: 100-continue", $"Content-Length: {Smuggled(name).Length}"]) + Smuggled(name)));
        return cases;
    }

    private static string FirstPath(string name) => $"/s/{name}/first";

    private static string Head(string method, string name, IEnumerable<string> fields) =>
        $"{method} {FirstPath(name)} HTTP/1.1\r\nHost: lanes.test\r\nX-Case: s-{name}\r\n{string.Concat(fields.Select(f => f + "\r\n"))}\r\n";

    private static string Smuggled(string name) => $"GET /smuggled/{name} HTTP/1.1\r\nHost: lanes.test\r\nX-Case: s-{name}-smuggled\r\n\r\n";

    private static string ClTe(string name, params string[] fields)
    {
        var body = "0\r\n\r\n" + Smuggled(name);
        return Head("POST", name, [$"Content-Length: {body.Length}", .. fields]) + body;
    }

    private static string TeCl(string name, params string[] fields)
    {
        var size = $"{Smuggled(name).Length:x}\r\n";
        return Head("POST", name, [$"Content-Length: {size.Length}", .. fields]) + size + Smuggled(name) + "\r\n0\r\n\r\n";
    }

    private static SmugglingCase Case(string name, Func<string, string> first) =>
        new(name, Encoding.Latin1.GetBytes(first(name) + $"GET /s/{name}/second HTTP/1.1\r\nHost: lanes.test\r\nX-Case: s-{name}\r\n\r\n"));
}
