using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

/// <summary>
/// Request smuggling through either lane: each request of <see cref="SmugglingCorpus"/> is written with a plain second
/// request behind it on one connection, through the gateway with <c>Gateway:FastLane</c> on and the one with it off.
/// The replica must never receive a request the client did not send as one (none whose line came from inside a body:
/// no <c>/smuggled/</c> path), at most the first and the second, in that order; and the client must get an answer to
/// both, or a close, in bounded time.
/// </summary>
[Collection(FastLaneCollection.Name)]
public sealed class FastLaneSmugglingTests(FastLaneFixture fixture, ITestOutputHelper output)
{
    /// <summary>More than three times the slowest case of a quiet run (Kestrel's 400 comes at once, a hung body never).</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task No_replica_receives_a_request_the_client_did_not_send_as_one()
    {
        var corpus = SmugglingCorpus.Cases();
        var before = fixture.Replica.Received.Count;
        var clock = Stopwatch.StartNew();
        var outcomes = await Task.WhenAll(
            from gateway in new[] { FastLaneFixture.FastName, FastLaneFixture.KestrelName }
            from smuggling in corpus
            select RunAsync(gateway, smuggling));
        await fixture.Replica.QuietAsync(TimeSpan.FromSeconds(5));
        output.WriteLine($"{corpus.Count} cases through each gateway in {clock.Elapsed.TotalSeconds:F1} s");

        // The silo's health checks aside.
        var received = fixture.Replica.Received.Skip(before).Where(r => r.RequestLine != "GET / HTTP/1.1").ToList();
        var failures = new List<string>();
        foreach (var outcome in outcomes)
        {
            var seen = received.Where(r => r.Gateway == outcome.Gateway && r.Case == outcome.Case.Case).Select(r => r.RequestLine).ToList();
            output.WriteLine($"{outcome.Gateway,-8} {outcome.Case.Name,-24} {outcome.Summary,-40} replica: {(seen.Count == 0 ? "-" : string.Join(" | ", seen))}");

            var failure = outcome switch
            {
                { Bounded: false } => $"neither answered nor closed within {Limit.TotalSeconds} s",
                _ when seen.Any(line => !IsFirst(outcome.Case, line) && Path(line) != outcome.Case.SecondPath) => "the replica received a request the client did not send",
                _ when seen.Count(line => IsFirst(outcome.Case, line)) > 1 || seen.Count(line => Path(line) == outcome.Case.SecondPath) > 1 => "the replica received a request twice",
                _ when seen.Count == 2 && Path(seen[0]) == outcome.Case.SecondPath => "the replica received the second request before the first",
                { Case.Control: true } when outcome.Statuses is not [200, 200] || seen.Count != 2 => "a plain request was not served",
                _ => null,
            };
            if (failure is not null)
            {
                failures.Add($"{outcome.Gateway} lane, {outcome.Case.Name}: {failure}\n  sent: {outcome.Case.Describe()}\n  got: {outcome.Summary}\n  replica: {string.Join(" | ", seen)}");
            }
        }

        foreach (var stray in received.Where(r => r.RequestLine.Contains("smuggled", StringComparison.OrdinalIgnoreCase) || r.Case.EndsWith("-smuggled", StringComparison.Ordinal)
            || !corpus.Any(c => c.Case == r.Case) || r.Gateway is not (FastLaneFixture.FastName or FastLaneFixture.KestrelName)))
        {
            failures.Add($"'{stray.Gateway}' lane: the replica received '{stray.RequestLine}' (X-Case '{stray.Case}'), which no gateway sent as a request of its own");
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    /// <summary>The first request as a replica may receive it: <c>OPTIONS *</c> is passed on as <c>OPTIONS /</c>.</summary>
    private static bool IsFirst(SmugglingCase smuggling, string requestLine) =>
        Path(requestLine) == smuggling.FirstPath || (requestLine.StartsWith("OPTIONS ", StringComparison.Ordinal) && Path(requestLine) is "*" or "/");

    private static string Path(string requestLine) => requestLine.Split(' ') is [_, var target, ..] ? target.Split('?')[0] : "";

    private sealed record Outcome(string Gateway, SmugglingCase Case, IReadOnlyList<int> Statuses, string Summary, bool Bounded);

    /// <summary>Writes the case at once and reads answers until there are two, or the connection closes, or <see cref="Limit"/>.</summary>
    private async Task<Outcome> RunAsync(string gateway, SmugglingCase smuggling)
    {
        var clock = Stopwatch.StartNew();
        var statuses = new List<int>();
        using var limit = new CancellationTokenSource(Limit);
        string end;
        try
        {
            await using var connection = await RawConnection.OpenAsync(fixture.Named(gateway).Address, limit.Token);
            await connection.WriteAsync(smuggling.Bytes, limit.Token);
            while (true)
            {
                if (statuses.Count == 2)
                {
                    end = "both answered";
                    break;
                }

                if (await connection.ReadResponseAsync(toHead: false, limit.Token) is not { } response)
                {
                    end = "closed";
                    break;
                }

                statuses.Add(response.Status);
            }
        }
        catch (OperationCanceledException)
        {
            end = "hung";
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or EndOfStreamException or InvalidDataException or FormatException)
        {
            end = $"closed ({e.GetType().Name})";
        }

        var summary = new StringBuilder(string.Join(",", statuses)).Append(statuses.Count > 0 ? " " : "").Append(end)
            .Append(System.Globalization.CultureInfo.InvariantCulture, $" in {clock.ElapsedMilliseconds} ms").ToString();
        return new Outcome(gateway, smuggling, statuses, summary, end != "hung");
    }
}
