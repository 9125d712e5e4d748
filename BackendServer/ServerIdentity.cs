using System.Diagnostics;

namespace Orleans.LoadBalancer.BackendServer;

/// <summary>The name the replica answers with; a warm spare gets its name once, when it is put to work.</summary>
internal sealed class ServerIdentity(string name)
{
    private volatile Named _current = new(name, Stopwatch.GetTimestamp());
    private int _assigned;

    public string Name => _current.Name;

    /// <summary>The name, and how long the replica has had it (read together, so an assignment is never half seen).</summary>
    public (string Name, TimeSpan Held) Current
    {
        get
        {
            var current = _current;
            return (current.Name, Stopwatch.GetElapsedTime(current.Since));
        }
    }

    public bool Assign(string name)
    {
        if (Interlocked.Exchange(ref _assigned, 1) == 1)
        {
            return false;
        }

        _current = new Named(name, Stopwatch.GetTimestamp());
        return true;
    }

    private sealed record Named(string Name, long Since);
}
