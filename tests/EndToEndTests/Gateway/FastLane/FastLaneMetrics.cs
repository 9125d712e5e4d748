using Orleans.LoadBalancer.EndToEndTests.Infrastructure;

namespace Orleans.LoadBalancer.EndToEndTests.Gateway.FastLane;

internal static class FastLaneMetrics
{
    /// <summary><c>lb_gateway_fast_lane_requests_total</c> in the gateway's Prometheus text (0 before the first).</summary>
    public static async Task<long> RequestsAsync(GatewayEndpoint gateway)
    {
        const string Metric = "lb_gateway_fast_lane_requests_total";
        var line = (await gateway.Http.GetStringAsync("/metrics")).Split('\n')
            .SingleOrDefault(l => l.StartsWith(Metric + "{", StringComparison.Ordinal) || l.StartsWith(Metric + " ", StringComparison.Ordinal));
        if (line is null)
        {
            return 0;
        }

        var value = line[(line.Contains('}', StringComparison.Ordinal) ? line.LastIndexOf('}') + 1 : Metric.Length)..].Trim().Split(' ')[0];
        return (long)double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
