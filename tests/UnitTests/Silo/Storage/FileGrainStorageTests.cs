using Microsoft.Extensions.DependencyInjection;
using Orleans.LoadBalancer.Silo.Storage;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;

namespace Orleans.LoadBalancer.UnitTests.Silo.Storage;

/// <summary>The file grain storage keeps Orleans' ETag contract, so the RingGrain's store works on it as on Redis.</summary>
public sealed class FileGrainStorageTests : IDisposable
{
    private static readonly GrainId Ring = GrainId.Create("ring", "default");

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("file-grain-storage-tests-");
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    public void Dispose()
    {
        _services.Dispose();
        _folder.Delete(recursive: true);
    }

    private FileGrainStorage Storage() =>
        new(Path.Combine(_folder.FullName, "svc"), new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()));

    [Fact]
    public async Task State_written_by_one_storage_is_read_by_another_on_the_same_directory()
    {
        var state = new GrainState<List<string>>(["a", "b"]);
        await Storage().WriteStateAsync("ring", Ring, state);

        var read = new GrainState<List<string>>();
        await Storage().ReadStateAsync("ring", Ring, read);

        Assert.True(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal(["a", "b"], read.State);
    }

    [Fact]
    public async Task Replica_records_keep_their_protocol()
    {
        List<Orleans.LoadBalancer.Ring.ReplicaRecord> replicas =
        [
            Orleans.LoadBalancer.Replicas.ExternalReplicas.Of("grpc", "http://10.0.0.7:8080", 2, Orleans.LoadBalancer.Routing.ReplicaProtocol.H2c),
            Orleans.LoadBalancer.Replicas.ExternalReplicas.Of("tls", "https://10.0.0.8", 1, Orleans.LoadBalancer.Routing.ReplicaProtocol.H2),
            new("Server 1", "http://127.0.0.1:5001", "4242"),
        ];
        await Storage().WriteStateAsync("ring", Ring, new GrainState<List<Orleans.LoadBalancer.Ring.ReplicaRecord>>(replicas));

        var read = new GrainState<List<Orleans.LoadBalancer.Ring.ReplicaRecord>>();
        await Storage().ReadStateAsync("ring", Ring, read);

        Assert.Equal(replicas, read.State);
        Assert.Equal(Orleans.LoadBalancer.Routing.ReplicaProtocol.Http1, read.State![2].Protocol);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused_and_changes_nothing()
    {
        var first = new GrainState<List<string>>(["first"]);
        var second = new GrainState<List<string>>();
        await Storage().ReadStateAsync("ring", Ring, second);
        await Storage().WriteStateAsync("ring", Ring, first);

        second.State = ["second"];
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage().WriteStateAsync("ring", Ring, second));

        var read = new GrainState<List<string>>();
        await Storage().ReadStateAsync("ring", Ring, read);
        Assert.Equal(["first"], read.State);
    }

    [Fact]
    public async Task A_deleted_file_reads_as_no_record_and_a_write_after_reading_that_puts_it_back()
    {
        var state = new GrainState<List<string>>(["kept"]);
        var storage = Storage();
        await storage.WriteStateAsync("ring", Ring, state);
        File.Delete(storage.PathOf("ring", Ring));

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("ring", Ring, state));
        var read = new GrainState<List<string>>();
        await storage.ReadStateAsync("ring", Ring, read);
        Assert.False(read.RecordExists);

        read.State = ["kept"];
        await storage.WriteStateAsync("ring", Ring, read);
        Assert.True(File.Exists(storage.PathOf("ring", Ring)));
    }
}
