using System.Globalization;
using System.Text;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.EndToEndTests;

/// <summary>One fuzzed admin request: where it goes, its bytes, how they are sent, and what made them.</summary>
public sealed record FuzzCase(string Path, byte[] Body, string? ContentType, bool Chunked, string Kind)
{
    /// <summary>Whether the request says its body is JSON; the gateway refuses any other body with 415 before reading it.</summary>
    public bool DeclaredJson =>
        ContentType is not null && ContentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// What the gateway must answer for this case whatever the state: 415 for a body not declared JSON, else 413 for one
    /// over the limit.
    /// </summary>
    public int? RequiredStatus => !DeclaredJson ? 415 : Kind.StartsWith("oversize", StringComparison.Ordinal) ? 413 : null;

    public string Describe(int max = 300)
    {
        var text = Encoding.UTF8.GetString(Body);
        var shown = text.Length <= max ? text : $"{text[..max]}… ({Body.Length} bytes)";
        return $"{Kind} {Path}{(Chunked ? " chunked" : "")} [{ContentType ?? "no content type"}]: {ReplicaNames.Escape(shown)}";
    }
}

/// <summary>
/// Random and mutated bodies for <c>/add</c> and <c>/rm</c>, from a seed: mostly invalid, about 1 in 200 built valid
/// against the replicas the caller says exist (a mutation may also happen to be valid).
/// </summary>
public sealed class AdminBodyFuzzer(int seed)
{
    private static readonly string?[] ContentTypes =
    [
        "application/json", "application/json; charset=utf-8", null, "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz", "application/json; charset=utf-16", "application/octet-stream", "*/*", "x/y",
    ];

    private static readonly string[] ValidBases =
    [
        """{"n": 1}""", """{"n": 2, "hostnames": ["Server 1"]}""", """{"n": 1, "hostnames": ["M a"]}""",
        """{"hostnames": ["Zoë"], "n": 1}""", """{"n": 1, "hostnames": null}""", """{"n":2,"hostnames":["a.b","c d"]}""",
    ];

    // Every one fails the parser or the manager whatever the replicas (at most 8 in the fuzzed cluster).
    private static readonly string[] BadCounts =
    [
        "2147483647", "2147483648", "-2147483649", "1e30", "1E308", "1e309", "-1", "0", "-0", "0.0", "1.5", "1.0e-5",
        "99999999999999999999999", "1e99999999999", "1e-99999999999", "1025", "1e3", "100", "9", "0.9e1", "\"1\"", "true",
        "false", "null", "[]", "{}", "[1]", "{\"n\": 1}", "1.", ".5", "1e", "+1", "0x1", "NaN", "Infinity", "-", "01",
    ];

    private static readonly string[] BadNames =
    [
        "\\n", "nl\\n", "a\\tb", "nul\\u0000", "\\ud800", "x\\udc00", "\\udc00\\ud800", "bidi\\u202e", "zw\\u200b",
        "\\u0085", "ls\\u2028", " lead", "trail ", "", " ", "\\u00a0nbsp", "private\\ue000", new string('a', 64),
        new string('b', 1000), "\\uFEFF",
    ];

    private static readonly string[] FineNames = ["Server 1", "Server 2", "fine", "Zoë", "api.v2", "with space", "\\u0041\\u0042", "q\\\"uote"];

    private readonly Random _random = new(seed);
    private int _serial;

    public FuzzCase Next(IReadOnlyList<string> current, int maxCount)
    {
        _serial++;
        var path = _random.Next(2) == 0 ? "/add" : "/rm";
        // Mostly declared JSON, so that the bodies reach the parser; the rest must all be refused with 415 unread.
        var contentType = _random.Next(5) == 0 ? ContentTypes[_random.Next(ContentTypes.Length)] : "application/json";
        if (_random.Next(200) == 0)
        {
            return Valid(current, maxCount, "application/json");
        }

        var roll = _random.Next(100);
        var (kind, body) = roll switch
        {
            < 18 => ("mutated", Mutate(Encoding.UTF8.GetBytes(ValidBases[_random.Next(ValidBases.Length)]))),
            < 48 => ("random-json", Encoding.UTF8.GetBytes(RandomJson(0, topLevel: true))),
            < 60 => ("count", Encoding.UTF8.GetBytes($$"""{"n": {{BadCounts[_random.Next(BadCounts.Length)]}}}""")),
            < 75 => ("names", Encoding.UTF8.GetBytes(Names())),
            < 80 => ("deep", Deep()),
            < 90 => ("bytes", RandomBytes(_random.Next(0, 1024))),
            < 93 => ("many-names", Encoding.UTF8.GetBytes(ManyNames())),
            < 94 => ("boundary", Padded($$"""{"n": 1000}""", AdminJson.MaxBodyBytes)),
            < 97 => ("oversize", Oversize()),
            _ => ("oversize-chunked", Oversize()),
        };

        return new FuzzCase(path, body, contentType, kind == "oversize-chunked" || _random.Next(10) == 0, kind);
    }

    private FuzzCase Valid(IReadOnlyList<string> current, int maxCount, string? contentType)
    {
        if (current.Count > 0 && (current.Count >= maxCount || _random.Next(2) == 0))
        {
            var name = current[_random.Next(current.Count)];
            var named = _random.Next(2) == 0 ? $", \"hostnames\": [{Quote(name)}]" : "";
            return new FuzzCase("/rm", Encoding.UTF8.GetBytes($$"""{"n": 1{{named}}}"""), contentType, false, "valid");
        }

        // Names with spaces and non-ASCII letters, as the seed's "Server 1": started for real.
        var fresh = _random.Next(3) switch
        {
            0 => $"Fuzz {_serial}",
            1 => $"Zoë-{_serial}.v2",
            _ => null,
        };
        var hostnames = fresh is null ? "" : $", \"hostnames\": [{Quote(fresh)}]";
        return new FuzzCase("/add", Encoding.UTF8.GetBytes($$"""{"n": 1{{hostnames}}}"""), contentType, false, "valid");
    }

    private byte[] Mutate(byte[] body)
    {
        var bytes = body.ToList();
        // Two or more: a single change to a valid body often leaves it valid (another name, another small n).
        for (var i = _random.Next(2, 6); i > 0; i--)
        {
            var at = bytes.Count == 0 ? 0 : _random.Next(bytes.Count);
            switch (_random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] = (byte)_random.Next(256);
                    break;
                case 1:
                    bytes.Insert(at, (byte)_random.Next(256));
                    break;
                case 2 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 4:
                    var length = _random.Next(0, bytes.Count - at + 1);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                default:
                    bytes.AddRange(body);
                    break;
            }
        }

        return [.. bytes];
    }

    private string RandomJson(int depth, bool topLevel = false)
    {
        var kind = topLevel && _random.Next(4) > 0 ? 5 : _random.Next(depth > 3 ? 5 : 7);
        switch (kind)
        {
            case 0: return "null";
            case 1: return _random.Next(2) == 0 ? "true" : "false";
            case 2:
                return _random.Next(3) switch
                {
                    0 => _random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture),
                    1 => (_random.NextDouble() * Math.Pow(10, _random.Next(-30, 30))).ToString("R", CultureInfo.InvariantCulture),
                    _ => $"{_random.Next(-5, 5)}e{_random.Next(-400, 400)}",
                };
            case 3: return Quote(RandomText());
            case 4: return $"\"{BadNames[_random.Next(BadNames.Length)]}\"";
            case 5:
                var members = Enumerable.Range(0, _random.Next(0, 4)).Select(_ =>
                {
                    var key = _random.Next(4) switch { 0 => "n", 1 => "hostnames", 2 => "N", _ => RandomText() };
                    return $"{Quote(key)}: {RandomJson(depth + 1)}";
                });
                return "{" + string.Join(", ", members) + "}";
            default:
                return "[" + string.Join(",", Enumerable.Range(0, _random.Next(0, 5)).Select(_ => RandomJson(depth + 1))) + "]";
        }
    }

    private string Names()
    {
        var names = Enumerable.Range(0, _random.Next(1, 5))
            .Select(_ => _random.Next(3) == 0 ? FineNames[_random.Next(FineNames.Length)] : BadNames[_random.Next(BadNames.Length)])
            .ToList();

        // Always one that fails: a bad name, a name given twice or more names than n.
        var count = names.Count;
        switch (_random.Next(3))
        {
            case 0:
                names.Insert(_random.Next(names.Count + 1), BadNames[_random.Next(BadNames.Length)]);
                count = names.Count;
                break;
            case 1:
                names.Add(names[0]);
                count = names.Count;
                break;
            default:
                count = _random.Next(-1, names.Count);
                break;
        }

        return $$"""{"n": {{count}}, "hostnames": [{{string.Join(", ", names.Select(n => $"\"{n}\""))}}]}""";
    }

    private string ManyNames()
    {
        var count = _random.Next(1000, 6000);
        return $$"""{"n": {{_random.Next(1, 2000)}}, "hostnames": [{{string.Join(",", Enumerable.Range(0, count).Select(i => $"\"m{i}\""))}}]}""";
    }

    private byte[] Deep()
    {
        var levels = _random.Next(9, 30_000);
        var open = _random.Next(2) == 0 ? "[" : "{\"a\":";
        var close = open == "[" ? "]" : "}";
        var nested = string.Concat(Enumerable.Repeat(open, levels)) + "1" + string.Concat(Enumerable.Repeat(close, _random.Next(2) == 0 ? levels : levels / 2));
        return Encoding.UTF8.GetBytes(_random.Next(2) == 0 ? nested : $$"""{"n": 1, "x": {{nested}}}""");
    }

    private byte[] Oversize()
    {
        var size = AdminJson.MaxBodyBytes + 1 + _random.Next(0, 200_000);
        return _random.Next(3) switch
        {
            0 => Padded("""{"n": 1}""", size),
            1 => Encoding.UTF8.GetBytes($$"""{"n": 1, "hostnames": ["{{new string('a', size)}}"]}"""),
            _ => RandomBytes(size),
        };
    }

    /// <summary><paramref name="json"/> followed by spaces up to exactly <paramref name="size"/> bytes: valid JSON of that size.</summary>
    private static byte[] Padded(string json, int size)
    {
        var bytes = new byte[size];
        Array.Fill(bytes, (byte)' ');
        Encoding.UTF8.GetBytes(json, bytes);
        return bytes;
    }

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private string RandomText()
    {
        var text = new StringBuilder();
        for (var i = _random.Next(0, 12); i > 0; i--)
        {
            text.Append(_random.Next(4) == 0 ? (char)_random.Next(0x20, 0x3000) : (char)_random.Next('a', 'z' + 1));
        }

        return text.ToString();
    }

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
