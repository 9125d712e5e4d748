using System.Text;
using Orleans.LoadBalancer.Gateway.Keys;

namespace Orleans.LoadBalancer.Gateway.FastLane;

/// <summary>A request the fast lane took, as key sources read it: its head's bytes, its path and its peer.</summary>
internal readonly struct FastLaneRequest(byte[] head, int headLength, PathString path, string clientIp) : IKeyRequest
{
    public PathString Path => path;

    public string Header(string name)
    {
        var bytes = head.AsSpan(0, headLength);
        string? joined = null;
        foreach (var field in new HeadFields(bytes))
        {
            if (Ascii.EqualsIgnoreCase(bytes[field.Name], name))
            {
                var value = Encoding.ASCII.GetString(bytes[field.Value]);
                joined = joined is null ? value : string.Concat(joined, ",", value);
            }
        }

        return joined ?? "";
    }

    /// <summary>Not read here: the lane takes requests only when no source reads cookies (<see cref="KeySelector.ReadsHeadOnly"/>).</summary>
    public string Cookie(string name) => throw new NotSupportedException("The fast lane does not read cookies");

    /// <summary>Not read here: the lane takes requests only when no source reads the query.</summary>
    public string Query(string name) => throw new NotSupportedException("The fast lane does not read the query");

    public string ClientIp() => clientIp;
}
