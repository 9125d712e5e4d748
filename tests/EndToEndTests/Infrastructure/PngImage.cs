using System.Buffers.Binary;
using System.IO.Compression;

namespace Orleans.LoadBalancer.EndToEndTests.Infrastructure;

/// <summary>A minimal PNG reader (8-bit RGB or RGBA, no interlace): enough to count the colours of a screenshot.</summary>
public sealed class PngImage
{
    private PngImage(int width, int height, byte[] rgb)
    {
        Width = width;
        Height = height;
        Rgb = rgb;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Three bytes per pixel, row by row.</summary>
    public byte[] Rgb { get; }

    public static PngImage Load(string path)
    {
        var data = File.ReadAllBytes(path);
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var offset = 8; offset < data.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(offset));
            var type = System.Text.Encoding.ASCII.GetString(data, offset + 4, 4);
            var chunk = data.AsSpan(offset + 8, length);
            if (type == "IHDR")
            {
                width = BinaryPrimitives.ReadInt32BigEndian(chunk);
                height = BinaryPrimitives.ReadInt32BigEndian(chunk[4..]);
                channels = chunk[9] switch
                {
                    2 => 3,
                    6 => 4,
                    _ => throw new NotSupportedException($"PNG colour type {chunk[9]}"),
                };
                if (chunk[8] != 8 || chunk[12] != 0)
                {
                    throw new NotSupportedException("only 8-bit, non-interlaced PNGs");
                }
            }
            else if (type == "IDAT")
            {
                idat.Write(chunk);
            }

            offset += 12 + length;
        }

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress))
        {
            zlib.CopyTo(inflated);
        }

        var raw = inflated.ToArray();
        var stride = width * channels;
        var pixels = new byte[height * stride];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (stride + 1)];
            var line = raw.AsSpan(y * (stride + 1) + 1, stride);
            var row = pixels.AsSpan(y * stride, stride);
            var prior = y > 0 ? pixels.AsSpan((y - 1) * stride, stride) : new byte[stride];
            for (var x = 0; x < stride; x++)
            {
                int a = x >= channels ? row[x - channels] : 0, b = prior[x], c = x >= channels ? prior[x - channels] : 0;
                row[x] = (byte)(line[x] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new NotSupportedException($"PNG filter {filter}"),
                });
            }
        }

        var rgb = new byte[width * height * 3];
        for (var i = 0; i < width * height; i++)
        {
            pixels.AsSpan(i * channels, 3).CopyTo(rgb.AsSpan(i * 3));
        }

        return new PngImage(width, height, rgb);
    }

    /// <summary>How many pixels have exactly the colour <c>#rrggbb</c>.</summary>
    public int Count(string hex)
    {
        var r = Convert.ToByte(hex[1..3], 16);
        var g = Convert.ToByte(hex[3..5], 16);
        var b = Convert.ToByte(hex[5..7], 16);
        var count = 0;
        for (var i = 0; i < Rgb.Length; i += 3)
        {
            if (Rgb[i] == r && Rgb[i + 1] == g && Rgb[i + 2] == b)
            {
                count++;
            }
        }

        return count;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
