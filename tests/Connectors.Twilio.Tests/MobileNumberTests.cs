namespace IntegrationHub.Connectors.Twilio.Tests;

public sealed class MobileNumberTests
{
    [Theory]
    [InlineData("+33612345678", "+33612345678")]
    [InlineData("+33 6 12 34 56 78", "+33612345678")]
    [InlineData("+33.7.56.12.34.56", "+33756123456")]
    [InlineData("+32 470 12 34 56", "+32470123456")]
    [InlineData("+262 692 12 34 56", "+262692123456")]
    public void ToE164_InternationalNumber_ReturnsStrictE164(string input, string expected)
    {
        Assert.Equal(expected, MobileNumber.ToE164(input));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("0612345678")]
    [InlineData("33612345678")]
    [InlineData("+3361234")]
    [InlineData("+336123456789012")]
    [InlineData("+99912345678")]
    [InlineData("marie@exemple.fr")]
    [InlineData("+33 6 12 34 56 7x")]
    public void ToE164_NotAValidInternationalNumber_ReturnsNull(string? input)
    {
        Assert.Null(MobileNumber.ToE164(input));
    }
}
