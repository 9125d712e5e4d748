using System.Text;
using Orleans.LoadBalancer.Gateway.Admin;
using Orleans.LoadBalancer.Grains.Replicas;
using Orleans.LoadBalancer.Replicas;
using Orleans.LoadBalancer.Ring;

namespace Orleans.LoadBalancer.UnitTests.Grains.Interfaces.Replicas;

/// <summary>An external replica's own health check: <c>healthPath</c> and <c>healthStatus</c> on <c>POST /add</c> and in <c>Replicas:Static</c>.</summary>
public sealed class ExternalHealthCheckTests
{
    private const string PathRule = "must be a path that starts with '/', of at most 256 visible ASCII characters (no spaces or '#')";
    private const string StatusRule = "must be a status from 100 to 599 (204) or a range of them (\"200-399\")";

    [Theory]
    [InlineData("""{"name": "a", "address": "http://h:1", "healthPath": "/ready", "healthStatus": 204}""", "/ready", "204")]
    [InlineData("""{"name": "a", "address": "http://h:1", "healthPath": "/health?full=1", "healthStatus": "204"}""", "/health?full=1", "204")]
    [InlineData("""{"name": "a", "address": "http://h:1", "healthStatus": "200-399"}""", "", "200-399")]
    [InlineData("""{"name": "a", "address": "http://h:1", "healthStatus": "200-200"}""", "", "200-200")]
    [InlineData("""{"name": "a", "address": "http://h:1", "healthPath": "", "healthStatus": ""}""", "", "")]
    [InlineData("""{"name": "a", "address": "http://h:1"}""", "", "")]
    public void A_replica_keeps_its_own_health_check_as_written(string entry, string path, string status)
    {
        var (request, error) = AdminRequestBody.Read(Encoding.UTF8.GetBytes($$"""{"replicas": [{{entry}}]}"""), AdminOperation.Add);

        Assert.Null(error);
        var replica = Assert.Single(request!.Replicas!);
        Assert.Equal((path, status), (replica.HealthPath, replica.HealthStatus));
    }

    [Theory]
    [InlineData("\"ready\"", $"'replicas[0].healthPath' {PathRule}, not 'ready'")]
    [InlineData("\"/re ady\"", $"'replicas[0].healthPath' {PathRule}, not '/re ady'")]
    [InlineData("\"/ready#top\"", $"'replicas[0].healthPath' {PathRule}, not '/ready#top'")]
    [InlineData("\"/r\\u00e9ady\"", $"'replicas[0].healthPath' {PathRule}, not '/réady'")]
    [InlineData("\"/ready\\n\"", $"'replicas[0].healthPath' {PathRule}, not '/ready\\n'")]
    [InlineData("\"http://elsewhere/ready\"", $"'replicas[0].healthPath' {PathRule}, not 'http://elsewhere/ready'")]
    [InlineData("204", "'replicas[0].healthPath' must be a string")]
    public void A_bad_health_path_is_refused_naming_the_field(string path, string expected)
    {
        var (request, error) = AdminRequestBody.Read(
            Encoding.UTF8.GetBytes($$"""{"replicas": [{"name": "a", "address": "http://h:1", "healthPath": {{path}}}]}"""), AdminOperation.Add);

        Assert.Null(request);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void A_health_path_longer_than_256_characters_is_refused()
    {
        var path = "/" + new string('a', 256);
        var (request, error) = AdminRequestBody.Read(
            Encoding.UTF8.GetBytes($$"""{"replicas": [{"name": "a", "address": "http://h:1", "healthPath": "{{path}}"}]}"""), AdminOperation.Add);

        Assert.Null(request);
        Assert.StartsWith($"'replicas[0].healthPath' {PathRule}, not '/aaa", error, StringComparison.Ordinal);
        Assert.Null(ExternalHealthCheck.CheckPath("p", path[..256]));
    }

    [Theory]
    [InlineData("99", "99")]
    [InlineData("600", "600")]
    [InlineData("204.0", "204.0")]
    [InlineData("2e2", "2e2")]
    [InlineData("-204", "-204")]
    [InlineData("\"2xx\"", "2xx")]
    [InlineData("\"399-200\"", "399-200")]
    [InlineData("\"200 - 399\"", "200 - 399")]
    [InlineData("\"200-\"", "200-")]
    [InlineData("\"0204\"", "0204")]
    [InlineData("\"200,204\"", "200,204")]
    public void A_bad_health_status_is_refused_naming_the_field(string status, string shown)
    {
        var (request, error) = AdminRequestBody.Read(
            Encoding.UTF8.GetBytes($$"""{"replicas": [{"name": "a", "address": "http://h:1", "healthStatus": {{status}}}]}"""), AdminOperation.Add);

        Assert.Null(request);
        Assert.Equal($"'replicas[0].healthStatus' {StatusRule}, not '{shown}'", error);
    }

    [Theory]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("[204]")]
    public void A_health_status_that_is_neither_number_nor_string_is_refused(string status)
    {
        var (_, error) = AdminRequestBody.Read(
            Encoding.UTF8.GetBytes($$"""{"replicas": [{"name": "a", "address": "http://h:1", "healthStatus": {{status}}}]}"""), AdminOperation.Add);

        Assert.Equal("'replicas[0].healthStatus' must be a status (204) or a range of them (\"200-399\")", error);
    }

    [Fact]
    public void A_static_entry_is_checked_by_the_same_rules()
    {
        StaticReplica[] entries =
        [
            new() { Name = "a", Address = "http://h:1", HealthPath = "/ready", HealthStatus = "204" },
            new() { Name = "b", Address = "http://h:2", HealthPath = "ready" },
            new() { Name = "c", Address = "http://h:3", HealthStatus = "2xx" },
        ];

        var errors = ReplicaSetRules.ValidateStatic(entries.Select(e => e.AsGiven()).ToList(), 10).ToList();

        Assert.Equal(new[] { (1, $"'healthPath' {PathRule}, not 'ready'"), (2, $"'healthStatus' {StatusRule}, not '2xx'") }, errors.Select(e => (e.Entry!.Value, e.Error)));
    }

    [Theory]
    [InlineData("", "/", 200, true)]
    [InlineData("", "/", 302, true)]
    [InlineData("", "/", 404, false)]
    [InlineData("204", "/", 200, false)]
    [InlineData("204", "/", 204, true)]
    [InlineData("200-204", "/", 204, true)]
    [InlineData("200-204", "/", 205, false)]
    public void The_health_loop_asks_the_replicas_own_path_and_counts_only_its_statuses(string status, string configured, int answered, bool healthy)
    {
        var replica = ExternalReplicas.Of("a", "http://h:1", healthPath: status.Length > 0 ? "/ready" : "", healthStatus: status);

        Assert.Equal(status.Length > 0 ? "/ready" : configured, ExternalHealthCheck.PathOf(replica, configured));
        Assert.Equal(healthy, ExternalHealthCheck.StatusOf(replica).Contains(answered));
    }

    [Fact]
    public void A_replica_record_without_a_health_check_is_the_clusters_default()
    {
        var replica = new ReplicaRecord("a", "http://h:1", ExternalReplicas.RuntimeId);

        Assert.Equal(("", ""), (replica.HealthPath, replica.HealthStatus));
        Assert.Equal(HealthStatusRange.SuccessOrRedirect, ExternalHealthCheck.StatusOf(replica));
        Assert.Equal("200-399", HealthStatusRange.SuccessOrRedirect.ToString());
    }
}
