using Microsoft.Extensions.Options;

namespace IntegrationHub.Connectors.Email.Tests;

public sealed class EmailOptionsValidatorTests
{
    private const string Secret = "S3cr3t-Mot-De-Passe";

    private static EmailOptions Valid() => new()
    {
        Host = "smtp.mairie-exemple.fr",
        Port = 587,
        Security = SmtpSecurity.StartTls,
        UserName = "secretariat",
        Password = Secret,
        FromAddress = "convocations@mairie-exemple.fr",
    };

    private static ValidateOptionsResult Validate(EmailOptions options, string? name = null) =>
        new EmailOptionsValidator().Validate(name ?? Options.DefaultName, options);

    [Fact]
    public void Validate_CompleteSmtpSettings_Succeeds()
    {
        Assert.True(Validate(Valid()).Succeeded);
    }

    [Fact]
    public void Validate_PickupModeWithoutCredentials_Succeeds()
    {
        var options = new EmailOptions { FromAddress = "convocations@mairie-exemple.fr", PickupDirectory = "/var/spool/hub" };

        Assert.True(Validate(options).Succeeded);
    }

    [Fact]
    public void Validate_MissingFromAddress_NamesTheConfigurationPath()
    {
        var options = Valid();
        options.FromAddress = null;

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.Equal("Hub:Connectors:Email:FromAddress is required.", failure);
    }

    [Fact]
    public void Validate_InvalidFromAddress_NamesPathAndBadValue()
    {
        var options = Valid();
        options.FromAddress = "secretariat.mairie";

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.Equal("Hub:Connectors:Email:FromAddress 'secretariat.mairie' is not a valid email address.", failure);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(70000)]
    public void Validate_PortOutOfRange_NamesPathAndBadValue(int port)
    {
        var options = Valid();
        options.Port = port;

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.Equal($"Hub:Connectors:Email:Port '{port}' must be between 1 and 65535.", failure);
    }

    [Fact]
    public void Validate_TimeoutNotPositive_NamesPathAndBadValue()
    {
        var options = Valid();
        options.TimeoutSeconds = 0;

        Assert.Equal("Hub:Connectors:Email:TimeoutSeconds '0' must be between 1 and 600.", Assert.Single(Validate(options).Failures!));
    }

    [Fact]
    public void Validate_UndefinedSecurity_NamesPathAndBadValue()
    {
        var options = Valid();
        options.Security = (SmtpSecurity)42;

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.StartsWith("Hub:Connectors:Email:Security '42' must be one of None, StartTls", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NoHostAndNoPickupDirectory_NamesBothPaths()
    {
        var options = Valid();
        options.Host = "";

        var failure = Assert.Single(Validate(options).Failures!);

        Assert.Equal(
            "Hub:Connectors:Email:PickupDirectory is required when Hub:Connectors:Email:Host is empty (no SMTP server).",
            failure);
    }

    [Fact]
    public void Validate_UserNameWithoutPassword_Fails()
    {
        var options = Valid();
        options.Password = null;

        Assert.Equal(
            "Hub:Connectors:Email:Password is required when Hub:Connectors:Email:UserName 'secretariat' is set.",
            Assert.Single(Validate(options).Failures!));
    }

    [Fact]
    public void Validate_PasswordWithoutUserName_FailsWithoutRevealingThePassword()
    {
        var options = Valid();
        options.UserName = null;
        options.FromAddress = "invalide";
        options.Port = -1;

        var result = Validate(options);

        Assert.Contains("Hub:Connectors:Email:UserName is required when Hub:Connectors:Email:Password is set.", result.Failures!);
        Assert.Equal(3, result.Failures!.Count());
        Assert.DoesNotContain(Secret, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NamedInstance_NamesItsSubsection()
    {
        var options = Valid();
        options.FromAddress = null;

        Assert.Equal("Hub:Connectors:Email:mairie-annexe:FromAddress is required.", Assert.Single(Validate(options, "mairie-annexe").Failures!));
    }

    [Fact]
    public void ToString_WithPassword_RedactsIt()
    {
        var text = Valid().ToString();

        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.Contains("Password = ***", text, StringComparison.Ordinal);
        Assert.Contains("Host = smtp.mairie-exemple.fr", text, StringComparison.Ordinal);
        Assert.Contains("UserName = secretariat", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var options = new EmailOptions();

        Assert.Equal(25, options.Port);
        Assert.Equal(SmtpSecurity.StartTlsWhenAvailable, options.Security);
        Assert.Equal("Secrétariat des assemblées", options.FromName);
        Assert.Equal(30, options.TimeoutSeconds);
        Assert.Equal("Hub:Connectors:Email", EmailOptions.SectionName);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingThePath()
    {
        var options = Valid();
        options.FromAddress = " ";

        var failure = Assert.Throws<OptionsValidationException>(() => new EmailChannel(
            Options.Create(options), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<EmailChannel>.Instance));

        Assert.Contains("Hub:Connectors:Email:FromAddress is required.", failure.Message, StringComparison.Ordinal);
    }
}
