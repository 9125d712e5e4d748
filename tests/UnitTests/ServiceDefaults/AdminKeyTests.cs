using System.Text;
using Orleans.LoadBalancer.Hosting;

namespace Orleans.LoadBalancer.UnitTests.ServiceDefaults;

/// <summary>The one admin key check of the gateway and the silo's dashboard: what carries the key and what does not.</summary>
public sealed class AdminKeyTests
{
    private const string Key = "s3cret-ключ";

    private static readonly AdminKey Admin = new(Key);

    [Theory]
    [InlineData("Bearer " + Key)]
    [InlineData("bearer " + Key)]
    [InlineData("BEARER   " + Key + "  ")]
    [InlineData("  Bearer " + Key)]
    public void A_bearer_token_equal_to_the_key_matches(string header) => Assert.True(Admin.Matches(header), header);

    [Theory]
    [InlineData("admin:" + Key)]
    [InlineData(":" + Key)]
    [InlineData("anyone at all:" + Key)]
    public void Basic_with_any_user_and_the_key_as_password_matches(string credentials) =>
        Assert.True(Admin.Matches(Basic(credentials)), credentials);

    [Fact]
    public void Basic_takes_the_password_after_the_first_colon_so_a_key_may_hold_colons()
    {
        var key = new AdminKey("a:b:c");

        Assert.True(key.Matches(Basic("user:a:b:c")));
        Assert.False(key.Matches(Basic("user:a:b")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(Key)]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer wrong")]
    [InlineData("Bearer " + Key + "x")]
    [InlineData("Bearer s3cret")]
    [InlineData("Bearer S3CRET-КЛЮЧ")]
    [InlineData("Bearer" + Key)]
    [InlineData("Token " + Key)]
    [InlineData("Digest " + Key)]
    [InlineData("Basic !!not-base64!!")]
    [InlineData("Basic " + Key)]
    public void Anything_else_does_not_match(string? header) => Assert.False(Admin.Matches(header), header ?? "(null)");

    [Theory]
    [InlineData("admin:wrong")]
    [InlineData("admin:")]
    [InlineData(Key)]
    [InlineData(Key + ":admin")]
    public void Basic_without_the_key_as_password_does_not_match(string credentials) =>
        Assert.False(Admin.Matches(Basic(credentials)), credentials);

    [Fact]
    public void No_key_configured_means_no_check()
    {
        Assert.Null(AdminKey.From(null));
        Assert.Null(AdminKey.From(""));
        Assert.NotNull(AdminKey.From("k"));
        Assert.Throws<ArgumentException>(() => new AdminKey(""));
    }

    private static string Basic(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));
}
