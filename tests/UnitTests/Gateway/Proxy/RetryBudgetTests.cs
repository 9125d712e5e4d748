using Orleans.LoadBalancer.Gateway.Proxy;

namespace Orleans.LoadBalancer.UnitTests.Gateway.Proxy;

/// <summary>Retries stay within a share of the last 10 seconds' requests, or a minimum whatever the traffic.</summary>
public sealed class RetryBudgetTests
{
    private const long Start = 1_000_000_000;

    [Fact]
    public void A_quiet_gateway_may_still_make_the_minimum_of_retries_and_no_more()
    {
        var budget = new RetryBudget();

        var taken = Enumerable.Range(0, 10).Count(_ => budget.TryTakeRetry(Start, percent: 20, minRetries: 3));

        Assert.Equal(3, taken);
    }

    [Fact]
    public void Retries_are_at_most_the_share_of_the_windows_requests()
    {
        var budget = new RetryBudget();
        // 100 requests spread over the last five seconds.
        for (var i = 0; i < 100; i++)
        {
            budget.CountRequest(Start + (i * 50));
        }

        var now = Start + 5_000;
        var taken = Enumerable.Range(0, 50).Count(_ => budget.TryTakeRetry(now, percent: 20, minRetries: 3));

        Assert.Equal(20, taken);
    }

    [Fact]
    public void Requests_and_retries_older_than_ten_seconds_no_longer_count()
    {
        var budget = new RetryBudget();
        for (var i = 0; i < 100; i++)
        {
            budget.CountRequest(Start);
        }

        Assert.Equal(20, Enumerable.Range(0, 50).Count(_ => budget.TryTakeRetry(Start + 500, 20, 3)));
        Assert.False(budget.TryTakeRetry(Start + 9_000, 20, 3));

        // The second of those requests has left the window: only the minimum again, the old retries gone with it.
        var later = Start + (RetryBudget.WindowSeconds * 1_000) + 1_000;
        Assert.Equal(3, Enumerable.Range(0, 10).Count(_ => budget.TryTakeRetry(later, 20, 3)));
    }

    [Fact]
    public void A_budget_of_nothing_allows_no_retry()
    {
        var budget = new RetryBudget();
        budget.CountRequest(Start);

        Assert.False(budget.TryTakeRetry(Start, percent: 0, minRetries: 0));
        Assert.Equal(0, RetryBudget.Allowed(1_000, 0, 0));
        Assert.Equal(200, RetryBudget.Allowed(1_000, 20, 3));
    }

    [Fact]
    public void Counting_a_request_and_taking_a_retry_allocate_nothing()
    {
        var budget = new RetryBudget();
        var (bytes, _) = AllocationProbe.Steady(() =>
        {
            budget.CountRequest(Environment.TickCount64);
            return budget.TryTakeRetry(Environment.TickCount64, 20, 3);
        });

        Assert.Equal(0, bytes);
    }
}
