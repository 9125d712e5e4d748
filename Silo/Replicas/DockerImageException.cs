namespace Orleans.LoadBalancer.Silo.Replicas;

/// <summary>The replica image is not on the engine and could not be pulled; the message says why.</summary>
internal sealed class DockerImageException : Exception
{
    public DockerImageException()
    {
    }

    public DockerImageException(string message)
        : base(message)
    {
    }

    public DockerImageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
