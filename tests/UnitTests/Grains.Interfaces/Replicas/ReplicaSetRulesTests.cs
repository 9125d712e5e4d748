using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.UnitTests.Grains.Interfaces.Replicas;

/// <summary>The rules of <c>/add</c> and <c>/rm</c> against the ring's names, as the gateway and the replica manager apply them.</summary>
public sealed class ReplicaSetRulesTests
{
    private const string NameRule = "(1 to 63 printable characters, no '/', not '.' or '..', no control or format characters, no leading or trailing white space)";

    private static readonly string[] Current = ["Server 1", "Server 2", "Server 3"];

    [Fact]
    public void Add_checks_the_count_against_the_maximum_without_overflowing()
    {
        Assert.Equal(
            "Adding 2147483647 replicas to 3 would exceed the maximum of 64 replicas",
            ReplicaSetRules.ValidateAdd(int.MaxValue, [], Current, 64, n => n));
        Assert.Equal(
            "Adding 62 replicas to 3 would exceed the maximum of 64 replicas",
            ReplicaSetRules.ValidateAdd(62, [], Current, 64, n => n));
        Assert.Equal(
            "Adding 1022 replicas to 3 would exceed the maximum of 1024 replicas",
            ReplicaSetRules.ValidateAdd(1022, [], Current, int.MaxValue, n => n));
        Assert.Null(ReplicaSetRules.ValidateAdd(61, [], Current, 64, n => n));
    }

    [Theory]
    [InlineData(0, new string[0], "'n' must be a positive integer")]
    [InlineData(-1, new string[0], "'n' must be a positive integer")]
    [InlineData(int.MinValue, new string[0], "'n' must be a positive integer")]
    [InlineData(1, new[] { "a", "b" }, "Length of hostname list is more than newly added instances")]
    [InlineData(2, new[] { "dup", "dup" }, "Hostname 'dup' is given more than once")]
    [InlineData(1, new[] { "nl\n" }, $"Hostname 'nl\\n' is not a valid name {NameRule}")]
    [InlineData(2, new[] { "new", "Server 2" }, "Replica 'Server 2' already exists")]
    [InlineData(1, new[] { "server 1" }, "Hostname 'server 1' clashes with replica 'Server 1': the runtime would name both 'server-1'")]
    [InlineData(2, new[] { "Api v2", "api.v2" }, "Hostname 'api.v2' clashes with hostname 'Api v2': the runtime would name both 'api-v2'")]
    public void Add_rules(int count, string[] hostnames, string error) =>
        Assert.Equal(error, ReplicaSetRules.ValidateAdd(count, hostnames, Current, 64, ReplicaNames.Slug));

    [Fact]
    public void Add_rejects_a_name_with_a_lone_surrogate_naming_it_escaped()
    {
        string[] names = ["ok", "x" + (char)0xD800];

        Assert.Equal($"Hostname 'x\\uD800' is not a valid name {NameRule}", ReplicaSetRules.ValidateAdd(2, names, Current, 64, n => n));
    }

    [Fact]
    public void Add_accepts_the_seeds_names_back_and_any_free_name()
    {
        string[] two = ["Server 1", "Server 2"];

        Assert.Null(ReplicaSetRules.ValidateAdd(2, ["Server 3"], two, 64, ReplicaNames.Slug));
        Assert.Null(ReplicaSetRules.ValidateAdd(3, ["Zoë", "api.v2"], Current, 64, n => n));
        Assert.Null(ReplicaSetRules.ValidateAdd(1, ["server 1"], Current, 64, n => n));
    }

    [Theory]
    [InlineData(0, new string[0], "'n' must be a positive integer")]
    [InlineData(-5, new string[0], "'n' must be a positive integer")]
    [InlineData(1, new[] { "Server 1", "Server 2" }, "Length of hostname list is more than removable instances")]
    [InlineData(4, new string[0], "Cannot remove 4 replicas: only 3 exist")]
    [InlineData(int.MaxValue, new string[0], "Cannot remove 2147483647 replicas: only 3 exist")]
    [InlineData(2, new[] { "Server 1", "Server 1" }, "Hostname 'Server 1' is given more than once")]
    [InlineData(1, new[] { "nope" }, "Replica 'nope' does not exist")]
    [InlineData(1, new[] { "server 1" }, "Replica 'server 1' does not exist")]
    [InlineData(1, new[] { "nl\n" }, "Replica 'nl\\n' does not exist")]
    public void Remove_rules(int count, string[] hostnames, string error) =>
        Assert.Equal(error, ReplicaSetRules.ValidateRemove(count, hostnames, Current));

    [Fact]
    public void Remove_accepts_existing_names_and_a_count_up_to_all()
    {
        Assert.Null(ReplicaSetRules.ValidateRemove(2, ["Server 3"], Current));
        Assert.Null(ReplicaSetRules.ValidateRemove(3, [], Current));
    }
}
