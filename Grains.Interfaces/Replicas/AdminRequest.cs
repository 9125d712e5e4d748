namespace Orleans.LoadBalancer.Replicas;

/// <summary>The body of <c>POST /add</c> and <c>DELETE /rm</c>: <c>{"n": 2, "hostnames": ["a", "b"]}</c>.</summary>
public sealed record AdminRequest(int Count, IReadOnlyList<string> Hostnames);
