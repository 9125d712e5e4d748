using System.Security.Cryptography;
using System.Text;

namespace Orleans.LoadBalancer.Hosting;

/// <summary>
/// The admin key check of the gateway's admin API and the silo's dashboard: <c>Authorization: Bearer &lt;key&gt;</c> for
/// tools, or HTTP Basic with any user name and the key as password so a browser can log in.
/// </summary>
public sealed class AdminKey
{
    private const string Bearer = "Bearer ";
    private const string Basic = "Basic ";

    private readonly byte[] _digest;

    public AdminKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        _digest = SHA256.HashData(Encoding.UTF8.GetBytes(key));
    }

    /// <summary>The key, or null when <paramref name="key"/> is empty (no key configured).</summary>
    public static AdminKey? From(string? key) => string.IsNullOrEmpty(key) ? null : new AdminKey(key);

    /// <summary>Whether <paramref name="other"/> is the same key.</summary>
    public bool SameAs(AdminKey other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return CryptographicOperations.FixedTimeEquals(_digest, other._digest);
    }

    /// <summary>Whether the value of an <c>Authorization</c> header carries the key.</summary>
    public bool Matches(string? authorization)
    {
        var given = Credential(authorization);

        // Digests have one length whatever was sent, so the comparison takes the same time for every wrong key, and
        // the work is the same whether or not a credential was found.
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(given ?? [], digest);
        return CryptographicOperations.FixedTimeEquals(digest, _digest) & given is not null;
    }

    private static byte[]? Credential(string? authorization)
    {
        var value = authorization.AsSpan().Trim();
        if (value.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            var token = value[Bearer.Length..].Trim();
            return token.IsEmpty ? null : Encoding.UTF8.GetBytes(token.ToString());
        }

        if (!value.StartsWith(Basic, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var encoded = value[Basic.Length..].Trim();
        var decoded = new byte[(encoded.Length + 3) / 4 * 3];
        if (!Convert.TryFromBase64Chars(encoded, decoded, out var length))
        {
            return null;
        }

        // user-id ":" password (RFC 7617); the user name is not checked.
        var colon = decoded.AsSpan(0, length).IndexOf((byte)':');
        return colon < 0 ? null : decoded[(colon + 1)..length];
    }
}
