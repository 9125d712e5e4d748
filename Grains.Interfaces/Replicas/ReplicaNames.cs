using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Orleans.LoadBalancer.Replicas;

/// <summary>
/// What a replica may be called (printable text such as the seed's <c>Server 1</c>), and the DNS label a runtime
/// derives from it (<see cref="Slug"/>).
/// </summary>
public static class ReplicaNames
{
    /// <summary>The longest name, in Unicode scalar values; also the longest DNS label.</summary>
    public const int MaxLength = 63;

    public const string Rule =
        "1 to 63 printable characters, no '/', not '.' or '..', no control or format characters, no leading or trailing white space";

    private const int MaxRandomTries = 1000;

    /// <summary>
    /// Whether <paramref name="name"/> may name a replica. Every endpoint takes a name as one path segment
    /// (<c>/replicas/{name}/weight</c>), so a '/' (which routing never decodes from <c>%2F</c>) and the dot segments,
    /// which URL normalisation removes, are refused: a name <c>/add</c> accepts can be managed everywhere.
    /// </summary>
    public static bool IsValid(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            return false;
        }

        var span = name.AsSpan();
        var length = 0;
        Rune first = default, last = default;
        while (!span.IsEmpty)
        {
            // A lone surrogate is not a Rune: InvalidData.
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != System.Buffers.OperationStatus.Done
                || IsRejected(rune)
                || ++length > MaxLength)
            {
                return false;
            }

            if (length == 1)
            {
                first = rune;
            }

            last = rune;
            span = span[consumed..];
        }

        return !Rune.IsWhiteSpace(first) && !Rune.IsWhiteSpace(last);
    }

    /// <summary>A random name not in <paramref name="taken"/>; throws after <c>1000</c> tries rather than looping forever.</summary>
    public static string NewRandom(ISet<string> taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
        for (var i = 0; i < MaxRandomTries; i++)
        {
            var name = $"replica-{Random.Shared.Next(0x1000000):x6}";
            if (!taken.Contains(name))
            {
                return name;
            }
        }

        throw new InvalidOperationException($"Found no free random replica name in {MaxRandomTries} tries ({taken.Count} names taken)");
    }

    /// <summary>The seed's names for the initial replicas.</summary>
    public static string Initial(int number) => $"Server {number}";

    /// <summary>
    /// The container and DNS label for <paramref name="name"/>: lowercase ASCII letters and digits, every run of other
    /// characters (including '-') one '-', none at either end, 2 to 63 characters. Runs collapse so that no label has
    /// "--" (never an IDNA-style "xn--" label). A name too long keeps a hash of the whole to stay distinct; one that
    /// leaves fewer than 2 characters (only non-ASCII letters, say) becomes <c>r-</c> and a hash, since Docker needs 2.
    /// </summary>
    public static string Slug(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var slug = new StringBuilder(Math.Min(name.Length, 80));
        foreach (var c in name)
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                slug.Append(c);
            }
            else if (c is >= 'A' and <= 'Z')
            {
                slug.Append((char)(c + ('a' - 'A')));
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        if (slug.Length > 0 && slug[^1] == '-')
        {
            slug.Length--;
        }

        if (slug.Length > MaxLength)
        {
            // 63 = 54 kept + '-' + 8 hex.
            slug.Length = MaxLength - 9;
            if (slug[^1] == '-')
            {
                slug.Length--;
            }

            return $"{slug}-{Hash(name)}";
        }

        return slug.Length switch
        {
            0 => $"r-{Hash(name)}",
            1 => $"{slug}-{Hash(name)}",
            _ => slug.ToString(),
        };
    }

    /// <summary>
    /// The name as it appears inside quotes in an error message: JSON escapes for '"', '\\', lone surrogates and every
    /// character the rule rejects, so that a newline or a bidi override shows as <c>\n</c> or <c>\u202E</c>.
    /// </summary>
    public static string Escape(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var text = new StringBuilder(name.Length + 8);
        var span = name.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\u{(int)span[0]:X4}");
                span = span[1..];
                continue;
            }

            switch (rune.Value)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (IsRejected(rune))
                    {
                        foreach (var unit in span[..consumed])
                        {
                            text.Append(CultureInfo.InvariantCulture, $"\\u{(int)unit:X4}");
                        }
                    }
                    else
                    {
                        text.Append(span[..consumed]);
                    }

                    break;
            }

            span = span[consumed..];
        }

        return text.ToString();
    }

    private static bool IsRejected(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
        or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    private static string Hash(string name) =>
        ((uint)XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(name))).ToString("x8", CultureInfo.InvariantCulture);
}
