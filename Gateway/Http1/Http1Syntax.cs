using System.Buffers;
using System.Text;

namespace Orleans.LoadBalancer.Gateway.Http1;

/// <summary>
/// The pieces of HTTP/1.1 syntax (RFC 9110 §5.6, RFC 9112) that both the response head parser and the fast lane's
/// request head reader need, written once.
/// </summary>
internal static class Http1Syntax
{
    /// <summary><c>tchar</c>: what a method and a field name are made of.</summary>
    public static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>One or more <c>tchar</c>.</summary>
    public static bool IsToken(ReadOnlySpan<byte> value) => value.Length > 0 && !value.ContainsAnyExcept(TokenChars);

    /// <summary><c>token ":" OWS value OWS</c>, with no CR, LF or NUL in the value; the value comes back trimmed.</summary>
    public static bool TrySplitField(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var colon = line.IndexOf((byte)':');
        name = colon > 0 ? line[..colon] : default;
        value = colon > 0 ? line[(colon + 1)..].Trim(" \t"u8) : default;
        return colon > 0 && IsToken(name) && value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) < 0;
    }

    /// <summary><c>1*DIGIT</c> that fits a <see cref="long"/> with room (at most 18 digits): no sign, no list, no space.</summary>
    public static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.Length is 0 or > 18)
        {
            return false;
        }

        foreach (var b in value)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            length = (length * 10) + b - '0';
        }

        return true;
    }

    /// <summary>Whether the comma-separated list <paramref name="value"/> holds <paramref name="token"/> (any letter case).</summary>
    public static bool HasToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="name"/> is <paramref name="expected"/> in any letter case.</summary>
    public static bool NameIs(ReadOnlySpan<byte> name, ReadOnlySpan<byte> expected) =>
        name.Length == expected.Length && Ascii.EqualsIgnoreCase(name, expected);
}
