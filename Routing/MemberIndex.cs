using System.Runtime.CompilerServices;

namespace Orleans.LoadBalancer.Routing;

/// <summary>
/// Maps a member number to its position in a list of member numbers, or -1. A flat array over the numbers' range
/// (one read per lookup, which matters when every slot is looked up); a dictionary when the range is too wide for that.
/// </summary>
internal readonly struct MemberIndex
{
    private const int MaxDenseRange = 1 << 18;

    private readonly int[]? _dense;
    private readonly Dictionary<int, int>? _sparse;
    private readonly int _min;

    public MemberIndex(ReadOnlySpan<int> numbers)
    {
        if (numbers.IsEmpty)
        {
            _dense = [];
            return;
        }

        int min = numbers[0], max = numbers[0];
        foreach (var number in numbers)
        {
            min = Math.Min(min, number);
            max = Math.Max(max, number);
        }

        _min = min;
        if ((long)max - min < MaxDenseRange)
        {
            _dense = new int[max - min + 1];
            Array.Fill(_dense, -1);
            for (var i = 0; i < numbers.Length; i++)
            {
                _dense[numbers[i] - min] = i;
            }
        }
        else
        {
            _sparse = new Dictionary<int, int>(numbers.Length);
            for (var i = 0; i < numbers.Length; i++)
            {
                _sparse[numbers[i]] = i;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Of(int number)
    {
        if (_dense is { } dense)
        {
            var at = (uint)(number - _min);
            return at < (uint)dense.Length ? dense[at] : -1;
        }

        return _sparse!.TryGetValue(number, out var index) ? index : -1;
    }
}
