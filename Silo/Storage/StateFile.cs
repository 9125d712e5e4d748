using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Orleans.LoadBalancer.Silo.Storage;

/// <summary>
/// One grain's stored state on disk: a header (magic, format version, ETag, payload length, CRC-32 of the payload)
/// and the payload as the grain storage serializer wrote it. Written whole to a temporary file beside the target,
/// flushed to disk, then renamed over it, so a reader sees the old file or the new one, never a torn one; a file that
/// fails the checks anyway (a disk fault, a hand edit) is reported as unreadable, never taken as empty.
/// </summary>
internal static class StateFile
{
    /// <summary>The extension of state files.</summary>
    public const string Extension = ".state";

    private const int HeaderLength = 4 + 4 + 16 + 4 + 4;
    private const int FormatVersion = 1;
    private static readonly byte[] Magic = "OLBS"u8.ToArray();

    /// <summary>The ETag and payload of <paramref name="path"/>, or null when there is no such file.</summary>
    /// <exception cref="InvalidDataException">The file is not a whole state file.</exception>
    public static (string ETag, byte[] Payload)? Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return Parse(bytes, path);
    }

    /// <summary>Checks a state file's frame and checksum without reading what it holds.</summary>
    /// <exception cref="InvalidDataException">The file is not a whole state file.</exception>
    public static void Check(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Writes <paramref name="payload"/> with <paramref name="etag"/> atomically: a temporary file, flushed to disk, renamed over <paramref name="path"/>.</summary>
    public static void Write(string path, string etag, ReadOnlySpan<byte> payload)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                file.Write(Header(etag, payload));
                file.Write(payload);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static byte[] Header(string etag, ReadOnlySpan<byte> payload)
    {
        var header = new byte[HeaderLength];
        Magic.CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), FormatVersion);
        Guid.Parse(etag).TryWriteBytes(header.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(24), payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), Crc32.HashToUInt32(payload));
        return header;
    }

    private static (string ETag, byte[] Payload) Parse(byte[] bytes, string path)
    {
        if (bytes.Length < HeaderLength || !bytes.AsSpan(0, 4).SequenceEqual(Magic))
        {
            throw Unreadable(path, $"it is not a state file ({bytes.Length} bytes, no '{Encoding.ASCII.GetString(Magic)}' header)");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        if (version != FormatVersion)
        {
            throw Unreadable(path, $"it has format version {version}; this silo reads version {FormatVersion}");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(24));
        if (length != bytes.Length - HeaderLength)
        {
            throw Unreadable(path, $"it is cut short or padded: the header says {length} bytes of state, the file holds {bytes.Length - HeaderLength}");
        }

        var payload = bytes[HeaderLength..];
        if (Crc32.HashToUInt32(payload) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(28)))
        {
            throw Unreadable(path, "its checksum does not match what it holds");
        }

        return (new Guid(bytes.AsSpan(8, 16)).ToString("N"), payload);
    }

    private static InvalidDataException Unreadable(string path, string why) => new($"The state file '{path}' is unreadable: {why}.");
}
