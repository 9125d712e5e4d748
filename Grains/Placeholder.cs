namespace Orleans.LoadBalancer.Grains; internal static class Placeholder { }
