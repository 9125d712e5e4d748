using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.Gateway.Admin;

/// <summary>
/// Admin bodies as JSON documents, and the shape errors every body reader words alike. Bodies are read whole (at most
/// <see cref="MaxBodyBytes"/>) by System.Text.Json: UTF-8 checked first, since the reader only checks the strings it decodes.
/// </summary>
internal static class AdminJson
{
    /// <summary>The largest admin body the gateway reads; a larger one is a 413.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Deeper JSON is refused as soon as the reader gets there (a valid body has depth 2, or 3 with <c>replicas</c>).</summary>
    public const int MaxDepth = 8;

    public const string NotJson = "Request body is not valid JSON";
    public const string NotUtf8 = "Request body is not valid UTF-8";

    public static readonly string TooDeep = $"Request body nests deeper than {MaxDepth} levels";

    /// <summary>
    /// The body as one JSON value no deeper than <see cref="MaxDepth"/>, or null and why not. The seed's bodies
    /// (<paramref name="seedBody"/>: <c>/add</c>, <c>/rm</c>) may start with a UTF-8 BOM and name too deep a body as such;
    /// the others answer both as not JSON.
    /// </summary>
    public static JsonDocument? Parse(ReadOnlyMemory<byte> body, bool seedBody, out string? error)
    {
        if (seedBody && body.Span.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        error = !Utf8.IsValid(body.Span) ? NotUtf8 : Shape(body.Span, seedBody ? TooDeep : NotJson);
        return error is null ? JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth }) : null;
    }

    /// <summary><c>'n' is given more than once</c>: a member a body takes once appears twice.</summary>
    public static string GivenTwice(string field) => $"{field} is given more than once";

    /// <summary>
    /// A weight: a JSON integer literal in <see cref="ReplicaSetRules"/>' range (<c>"2"</c>, <c>2.5</c>, <c>2.0</c>,
    /// <c>true</c> and <c>null</c> are not). Null when valid, else the error naming <paramref name="field"/> and the value.
    /// </summary>
    public static string? ReadWeight(JsonElement value, string field, out int weight)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out weight) && ReplicaSetRules.IsValidWeight(weight))
        {
            return null;
        }

        weight = ReplicaSetRules.DefaultWeight;
        var raw = value.GetRawText();
        return ReplicaSetRules.WeightOutOfRange(field, raw.Length <= 40 ? raw : raw[..40] + "…");
    }

    /// <summary>
    /// A string as written, a lone surrogate (<c>"\ud800"</c>) kept as one for the name rule to reject and name, where
    /// <see cref="JsonElement.GetString"/> throws: JSON's escapes are a subset of those <see cref="Regex.Unescape"/> reads alike.
    /// </summary>
    public static string Text(JsonElement value)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            var raw = value.GetRawText();
            return Regex.Unescape(raw[1..^1]);
        }
    }

    /// <summary>A member's name as written, a lone surrogate kept (see <see cref="Text"/>): such a name is no member a body takes.</summary>
    public static string Name(JsonProperty member)
    {
        try
        {
            return member.Name;
        }
        catch (InvalidOperationException)
        {
            return Regex.Unescape(Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8PropertyName(member)));
        }
    }

    /// <summary>
    /// A JSON number read exactly from its text: 1e30 and 2147483648 are whole (saturating at <see cref="long"/>'s
    /// bounds), 2.0 and 0.1024e4 are whole, 1.5 and 1e-1 are not. The reader has checked the literal's syntax.
    /// </summary>
    public static bool TryReadWhole(JsonElement number, out long value)
    {
        value = 0;
        var text = number.GetRawText().AsSpan();
        var negative = text[0] == '-';
        var body = negative ? text[1..] : text;
        var exponentAt = body.IndexOfAny('e', 'E');
        var mantissa = exponentAt < 0 ? body : body[..exponentAt];
        long exponent = 0;
        if (exponentAt >= 0)
        {
            var digits = body[(exponentAt + 1)..];
            foreach (var digit in digits.TrimStart("+-"))
            {
                // Saturates far beyond any count: 1e99999999999 stays "too large" rather than wrapping.
                exponent = Math.Min(exponent * 10 + (digit - '0'), 1_000_000_000);
            }

            exponent = digits[0] == '-' ? -exponent : exponent;
        }

        var point = mantissa.IndexOf('.');
        var integerDigits = point < 0 ? mantissa.Length : point;
        var significand = point < 0 ? mantissa.ToString() : string.Concat(mantissa[..point], mantissa[(point + 1)..]);
        var first = significand.AsSpan().IndexOfAnyExcept('0');
        if (first < 0)
        {
            return true;
        }

        // Digit i stands for 10^(integerDigits - 1 - i + exponent): the last non-zero one must not be below 10^0.
        if (integerDigits - 1 - significand.AsSpan().LastIndexOfAnyExcept('0') + exponent < 0)
        {
            return false;
        }

        var places = integerDigits - first + exponent;
        var magnitude = places > 18 ? long.MaxValue : 0;
        for (var i = first; places <= 18 && i < first + places; i++)
        {
            magnitude = magnitude * 10 + (i < significand.Length ? significand[i] - '0' : 0);
        }

        value = negative ? -magnitude : magnitude;
        return true;
    }

    /// <summary>Null when the body is one well-formed JSON value no deeper than <see cref="MaxDepth"/>, else why not.</summary>
    private static string? Shape(ReadOnlySpan<byte> body, string tooDeep)
    {
        // The reader's own limit is one deeper, so that too deep a body meets this check (and its message) first.
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = MaxDepth + 1 });
        try
        {
            var any = false;
            while (reader.Read())
            {
                any = true;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= MaxDepth)
                {
                    return tooDeep;
                }
            }

            return any ? null : NotJson;
        }
        catch (JsonException)
        {
            return NotJson;
        }
    }
}
