namespace IntegrationHub.Connectors.Twilio.Tests;

/// <summary>Vectors from twilio-python tests/unit/test_request_validator.py (INTEGRATIONS.md §3).</summary>
public sealed class TwilioSignatureTests
{
    private const string Token = "12345";
    private const string Url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    private const string Expected = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    private static readonly KeyValuePair<string, string>[] Params =
    [
        new("CallSid", "CA1234567890ABCDE"),
        new("Digits", "1234"),
        new("From", "+14158675309"),
        new("To", "+18005551212"),
        new("Caller", "+14158675309"),
    ];

    [Fact]
    public void Compute_PublishedVector_MatchesTwilio()
    {
        Assert.Equal(Expected, TwilioSignature.Compute(Token, Url, Params));
    }

    [Fact]
    public void Compute_RepeatedNamesAndValues_SortsValuesAndCountsDuplicatesOnce()
    {
        KeyValuePair<string, string>[] repeated = [new("Sid", "CA123"), new("SidAccount", "AC123"), new("Digits", "5678"), new("Digits", "1234"), new("Digits", "1234")];

        Assert.Equal("IK+Dwps556ElfBT0I3Rgjkr1wJU=", TwilioSignature.Compute(Token, Url, repeated));
    }

    [Theory]
    [InlineData("https://mycompany.com:443/myapp.php?foo=1&bar=2", "kvajT1Ptam85bY51eRf/AJRuM3w=")]
    [InlineData("http://mycompany.com:80/myapp.php?foo=1&bar=2", "0ZXoZLH/DfblKGATFgpif+LLRf4=")]
    [InlineData("http://mycompany.com:1234/myapp.php?foo=1&bar=2", "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=")]
    public void Compute_UrlWithPort_MatchesTwilio(string url, string expected)
    {
        Assert.Equal(expected, TwilioSignature.Compute(Token, url, Params));
    }

    [Fact]
    public void Compute_JsonBodyHashInUrlWithoutParams_MatchesTwilio()
    {
        Assert.Equal("a9nBmqA0ju/hNViExpshrM61xv4=",
            TwilioSignature.Compute(Token, Url + "&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620", []));
    }

    [Fact]
    public void Compute_ParameterOrder_DoesNotMatter()
    {
        Assert.Equal(Expected, TwilioSignature.Compute(Token, Url, Params.Reverse()));
    }

    [Fact]
    public void IsValid_PublishedVector_IsTrue()
    {
        Assert.True(TwilioSignature.IsValid(Token, Url, Params, Expected));
    }

    [Fact]
    public void IsValid_SignedWithDefaultPortReceivedWithout_IsTrue()
    {
        Assert.True(TwilioSignature.IsValid(Token, Url, Params, "kvajT1Ptam85bY51eRf/AJRuM3w="));
        Assert.True(TwilioSignature.IsValid(Token, "https://mycompany.com:443/myapp.php?foo=1&bar=2", Params, Expected));
        Assert.True(TwilioSignature.IsValid(Token, "http://mycompany.com/myapp.php?foo=1&bar=2", Params, "0ZXoZLH/DfblKGATFgpif+LLRf4="));
    }

    [Fact]
    public void IsValid_OtherPort_IsFalse()
    {
        Assert.False(TwilioSignature.IsValid(Token, "http://mycompany.com/myapp.php?foo=1&bar=2", Params, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="));
    }

    [Fact]
    public void IsValid_TamperedValue_IsFalse()
    {
        var tampered = Params.Select(p => p.Key == "To" ? new KeyValuePair<string, string>("To", "+18005551213") : p);

        Assert.False(TwilioSignature.IsValid(Token, Url, tampered, Expected));
    }

    [Fact]
    public void IsValid_AddedParameter_IsFalse()
    {
        Assert.False(TwilioSignature.IsValid(Token, Url, [.. Params, new("MessageStatus", "delivered")], Expected));
    }

    [Fact]
    public void IsValid_RemovedParameter_IsFalse()
    {
        Assert.False(TwilioSignature.IsValid(Token, Url, Params.Where(p => p.Key != "Digits"), Expected));
    }

    [Fact]
    public void IsValid_TamperedQueryString_IsFalse()
    {
        Assert.False(TwilioSignature.IsValid(Token, "https://mycompany.com/myapp.php?foo=2&bar=2", Params, Expected));
    }

    [Fact]
    public void IsValid_OtherToken_IsFalse()
    {
        Assert.False(TwilioSignature.IsValid("54321", Url, Params, Expected));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("RSOYDt4T1cUTdK1PDd93/VVr8B8")]
    [InlineData("rsoydt4t1cutdk1pdd93/vvr8b8=")]
    public void IsValid_MissingOrAlteredHeader_IsFalse(string? header)
    {
        Assert.False(TwilioSignature.IsValid(Token, Url, Params, header));
    }
}
