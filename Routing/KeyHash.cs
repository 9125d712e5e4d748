using System.Buffers;
using System.IO.Hashing;
using System.Text;

namespace Orleans.LoadBalancer.Routing;

/// <summary>A stable 64-bit hash of a routing key: XxHash3 over its UTF-8 bytes, identical in every process.</summary>
internal static class KeyHash
{
    private const int StackLimit = 512;

    public static ulong Hash(ReadOnlySpan<char> key)
    {
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        if (max <= StackLimit)
        {
            // Sized to the key, not to the limit: the stack buffer is zeroed on every call, so a short key zeroes little.
            Span<byte> bytes = stackalloc byte[max];
            var length = Encoding.UTF8.GetBytes(key, bytes);
            return XxHash3.HashToUInt64(bytes[..length]);
        }

        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = Encoding.UTF8.GetBytes(key, rented);
            return XxHash3.HashToUInt64(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Mixes two 64-bit values into one (the SplitMix64 finaliser); used for rendezvous scores and slot picks.</summary>
    public static ulong Mix(ulong a, ulong b)
    {
        var z = a ^ (b * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
