using Orleans.LoadBalancer.Hosting;
using Orleans.LoadBalancer.Silo.Storage;

namespace Orleans.LoadBalancer.UnitTests.Silo.Storage;

/// <summary>The state file's frame: written whole and read back, and anything else refused by name, never taken as empty.</summary>
public sealed class StateFileTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("state-file-tests-");

    private string PathOf(string name) => Path.Combine(_folder.FullName, name + StateFile.Extension);

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public void A_written_file_reads_back_with_its_etag_and_leaves_no_temporary_file()
    {
        var path = PathOf("ring");
        var etag = Guid.NewGuid().ToString("N");
        StateFile.Write(path, etag, [1, 2, 3]);
        StateFile.Write(path, etag, [4, 5, 6, 7]);

        var (readEtag, payload) = StateFile.Read(path)!.Value;

        Assert.Equal(etag, readEtag);
        Assert.Equal([4, 5, 6, 7], payload);
        Assert.Equal([path], Directory.GetFiles(_folder.FullName));
    }

    [Fact]
    public void No_file_reads_as_no_state()
    {
        Assert.Null(StateFile.Read(PathOf("absent")));
        StateDirectory.ThrowIfAnyUnreadable(Path.Combine(_folder.FullName, "absent"));
    }

    [Theory]
    [InlineData("flipped", "its checksum does not match")]
    [InlineData("cut", "cut short or padded")]
    [InlineData("empty", "it is not a state file")]
    [InlineData("text", "it is not a state file")]
    public void A_damaged_file_is_refused_with_its_name_and_what_is_wrong(string damage, string why)
    {
        var path = PathOf("ring");
        StateFile.Write(path, Guid.NewGuid().ToString("N"), Enumerable.Range(0, 100).Select(i => (byte)i).ToArray());
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, damage switch
        {
            "flipped" => [.. bytes[..^1], (byte)(bytes[^1] ^ 1)],
            "cut" => bytes[..^10],
            "empty" => [],
            _ => "{\"version\": 3}"u8.ToArray(),
        });

        var read = Assert.Throws<InvalidDataException>(() => StateFile.Read(path));
        Assert.Contains(path, read.Message, StringComparison.Ordinal);
        Assert.Contains(why, read.Message, StringComparison.Ordinal);

        var start = Assert.Throws<InvalidConfigurationException>(() => StateDirectory.ThrowIfAnyUnreadable(_folder.FullName));
        Assert.Contains(why, start.Message, StringComparison.Ordinal);
        Assert.Contains("move it aside", start.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_service_has_a_folder_of_its_own_under_the_directory()
    {
        Assert.Equal(Path.Combine(_folder.FullName, "svc"), StateDirectory.ForService(_folder.FullName, "svc"));
        Assert.EndsWith(Path.Combine("orleans-lb", "svc"), StateDirectory.ForService("", "svc"), StringComparison.Ordinal);
    }
}
