using System.Text;
using System.Text.RegularExpressions;
using Orleans.LoadBalancer.Replicas;

namespace Orleans.LoadBalancer.UnitTests.Grains.Interfaces.Replicas;

/// <summary>The name rule, the DNS label derived from a name, and random names.</summary>
public sealed partial class ReplicaNamesTests
{
    [Theory]
    [InlineData("Server 3")]
    [InlineData("api.v2")]
    [InlineData("Zoë")]
    [InlineData("a")]
    [InlineData("S5")]
    [InlineData("replica-00ff00")]
    [InlineData("a;rm -rf ~")]
    [InlineData("<b>bold<b>")]
    [InlineData("...")]
    [InlineData(".hidden")]
    [InlineData("a..b")]
    [InlineData("a%2Fb")]
    [InlineData("a\\b")]
    [InlineData("日本語の名前")]
    [InlineData("emoji 😀 inside")]
    [InlineData("non\u00A0breaking")]
    public void Printable_names_are_valid(string name) => Assert.True(ReplicaNames.IsValid(name), name);

    [Theory]
    [InlineData("")]
    [InlineData("api/v2")]
    [InlineData("/")]
    [InlineData("trailing/")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData(" ")]
    [InlineData(" lead")]
    [InlineData("trail ")]
    [InlineData("trail\u00A0")]
    [InlineData("\u3000ideographic")]
    [InlineData("nl\n")]
    [InlineData("a\nb")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    [InlineData("next\u0085line")]
    [InlineData("line\u2028sep")]
    [InlineData("para\u2029sep")]
    [InlineData("bidi\u202Eoverride")]
    [InlineData("zero\u200Bwidth")]
    [InlineData("bom\uFEFF")]
    [InlineData("private\uE000use")]
    [InlineData("unassigned\u0378")]
    [InlineData("del\u007F")]
    public void Control_format_unassigned_surrogate_and_edge_space_names_are_invalid(string name) =>
        Assert.False(ReplicaNames.IsValid(name), ReplicaNames.Escape(name));

    [Fact]
    public void Null_is_invalid() => Assert.False(ReplicaNames.IsValid(null));

    [Fact]
    public void Names_with_an_unpaired_surrogate_are_invalid()
    {
        // Built here: an attribute's strings are stored as UTF-8, which turns a lone surrogate into U+FFFD.
        const char high = (char)0xD800, low = (char)0xDC00;

        Assert.False(ReplicaNames.IsValid($"lone{high}"));
        Assert.False(ReplicaNames.IsValid($"{low}lone"));
        Assert.False(ReplicaNames.IsValid($"reversed{low}{high}"));
        Assert.False(ReplicaNames.IsValid($"{high}"));
        Assert.True(ReplicaNames.IsValid($"paired{high}{low}"));
    }

    [Fact]
    public void Length_counts_scalar_values_up_to_63()
    {
        Assert.True(ReplicaNames.IsValid(new string('a', 63)));
        Assert.False(ReplicaNames.IsValid(new string('a', 64)));

        // 63 emoji are 126 UTF-16 units but 63 characters.
        var emoji = string.Concat(Enumerable.Repeat("😀", 63));
        Assert.Equal(126, emoji.Length);
        Assert.True(ReplicaNames.IsValid(emoji));
        Assert.False(ReplicaNames.IsValid(emoji + "😀"));
    }

    [Theory]
    [InlineData("Server 1", "server-1")]
    [InlineData("Server-1", "server-1")]
    [InlineData("server_1", "server-1")]
    [InlineData("api.v2", "api-v2")]
    [InlineData("  a -- b  ", "a-b")]
    [InlineData("xn--abc", "xn-abc")]
    [InlineData("Zoë", "zo")]
    public void Slug_keeps_lowercase_ascii_letters_and_digits_and_joins_the_rest_with_one_dash(string name, string expected) =>
        Assert.Equal(expected, ReplicaNames.Slug(name));

    [Fact]
    public void Slug_of_one_character_gets_a_hash_since_docker_needs_two()
    {
        Assert.Matches("^a-[0-9a-f]{8}$", ReplicaNames.Slug("-A-"));
        Assert.NotEqual(ReplicaNames.Slug("A"), ReplicaNames.Slug("a"));
    }

    [Fact]
    public void Slug_of_a_name_without_ascii_letters_or_digits_is_r_and_a_stable_hash()
    {
        var slug = ReplicaNames.Slug("日本語");

        Assert.Matches("^r-[0-9a-f]{8}$", slug);
        Assert.Equal(slug, ReplicaNames.Slug("日本語"));
        Assert.NotEqual(slug, ReplicaNames.Slug("日本"));
    }

    [Fact]
    public void Slug_of_a_long_name_keeps_a_hash_of_the_whole_so_that_long_names_stay_apart()
    {
        var a = ReplicaNames.Slug(new string('x', 70) + "-a");
        var b = ReplicaNames.Slug(new string('x', 70) + "-b");

        Assert.Equal(63, a.Length);
        Assert.NotEqual(a, b);
        Assert.StartsWith(new string('x', 54) + "-", a);
    }

    [Fact]
    public void Slug_of_any_valid_name_is_a_dns_label_and_a_container_name_and_stable()
    {
        var random = new Random(20261101);
        var alphabet = "aZ09 -_.~!é日😀\u00A0'\"<>%\\".EnumerateRunes().ToArray();
        var checkedNames = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var name = RandomName(random, alphabet);
            if (!ReplicaNames.IsValid(name))
            {
                continue;
            }

            checkedNames++;
            var slug = ReplicaNames.Slug(name);
            Assert.True(DnsLabel().IsMatch(slug), $"'{slug}' from '{name}' is not a DNS label");
            Assert.True(ContainerName().IsMatch(slug), $"'{slug}' from '{name}' is not a container name");
            Assert.DoesNotContain("--", slug, StringComparison.Ordinal);
            Assert.Equal(slug, ReplicaNames.Slug(name));
        }

        Assert.True(checkedNames > 10_000, $"only {checkedNames} valid names were generated");
    }

    [Fact]
    public void Slug_is_the_same_in_every_process()
    {
        // XxHash3, not string.GetHashCode (randomised per process): a silo restart must find the same containers.
        Assert.Equal(ReplicaNames.Slug("日本語"), ReplicaNames.Slug(new string("日本語".AsSpan())));
        Assert.Equal("r-" + ((uint)System.IO.Hashing.XxHash3.HashToUInt64(Encoding.UTF8.GetBytes("日本語"))).ToString("x8"), ReplicaNames.Slug("日本語"));
    }

    [Fact]
    public void Escape_shows_control_format_and_lone_surrogate_characters_as_json_escapes()
    {
        Assert.Equal("nl\\n", ReplicaNames.Escape("nl\n"));
        Assert.Equal("\\t\\u0000\\u0085\\u202E\\uD800", ReplicaNames.Escape("\t\0\u0085\u202E" + (char)0xD800));
        Assert.Equal("say \\\"hi\\\" \\\\ Zoë 😀", ReplicaNames.Escape("say \"hi\" \\ Zoë 😀"));
    }

    [Fact]
    public void NewRandom_avoids_taken_names_and_gives_up_instead_of_looping_forever()
    {
        var taken = new HashSet<string>(StringComparer.Ordinal) { "Server 1" };
        for (var i = 0; i < 200; i++)
        {
            var name = ReplicaNames.NewRandom(taken);
            Assert.True(ReplicaNames.IsValid(name));
            Assert.True(taken.Add(name), name);
        }

        var everything = EqualityComparer<string>.Create((_, _) => true, _ => 0);
        var error = Assert.Throws<InvalidOperationException>(() => ReplicaNames.NewRandom(new HashSet<string>(["x"], everything)));
        Assert.Contains("1000 tries", error.Message);
    }

    [Fact]
    public void Initial_names_are_the_seeds_and_valid()
    {
        Assert.Equal("Server 3", ReplicaNames.Initial(3));
        Assert.True(ReplicaNames.IsValid(ReplicaNames.Initial(3)));
    }

    private static string RandomName(Random random, Rune[] alphabet)
    {
        var length = random.Next(1, 80);
        var name = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            name.Append(alphabet[random.Next(alphabet.Length)].ToString());
        }

        return name.ToString();
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex ContainerName();
}
