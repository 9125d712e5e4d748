namespace Orleans.LoadBalancer.Replicas;

/// <summary>Which admin change a body is for: the seed words some errors differently for each.</summary>
public enum AdminOperation
{
    /// <summary><c>POST /add</c>.</summary>
    Add,

    /// <summary><c>DELETE /rm</c>.</summary>
    Remove,
}
