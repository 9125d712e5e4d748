using System.Text;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>A few header field names, matched against a name's bytes as HTTP matches them: ASCII, in any letter case.</summary>
internal sealed class FieldNameSet(IEnumerable<string> names)
{
    private readonly byte[][] _names = [.. names.Select(Encoding.ASCII.GetBytes)];

    public bool Contains(ReadOnlySpan<byte> name)
    {
        foreach (var candidate in _names)
        {
            if (candidate.Length == name.Length && Ascii.EqualsIgnoreCase(name, candidate))
            {
                return true;
            }
        }

        return false;
    }
}
