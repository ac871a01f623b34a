using System.Security.Cryptography;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace IntegrationHub.Connectors.Email.Tests;

/// <summary>DKIM signatures checked with MimeKit's verifier on the bytes a real SMTP server (aiosmtpd) stored.</summary>
public sealed class EmailChannelDkimTests : IDisposable
{
    private const string Domain = "mairie-exemple.fr";
    private const string Selector = "convocations2026";
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(15);

    private readonly SmtpSinkServer _server = new();
    private readonly RSA _key = RSA.Create(2048);

    public void Dispose()
    {
        _key.Dispose();
        _server.Dispose();
    }

    [Fact]
    public async Task SendAsync_DkimConfigured_ReceivedMessageCarriesAValidSignature()
    {
        await using var channel = ChannelFactory.ForSmtp(_server, ChannelFactory.Clock(), Sign(_key.ExportRSAPrivateKeyPem()));

        await channel.SendAsync(TestMessages.Convocation(), CancellationToken.None);

        var received = Assert.Single(await _server.WaitForMessagesAsync(1, Arrival));
        var signature = SignatureOf(received);
        Assert.Contains($"d={Domain}", signature.Value, StringComparison.Ordinal);
        Assert.Contains($"s={Selector}", signature.Value, StringComparison.Ordinal);
        Assert.Contains("a=rsa-sha256", signature.Value, StringComparison.Ordinal);
        Assert.Contains("c=relaxed/relaxed", signature.Value, StringComparison.Ordinal);
        Assert.True(await Verifier(_key).VerifyAsync(received, signature));
    }

    [Fact]
    public async Task SendAsync_Pkcs8Key_SignsToo()
    {
        await using var channel = ChannelFactory.ForSmtp(_server, ChannelFactory.Clock(), Sign(_key.ExportPkcs8PrivateKeyPem()));

        await channel.SendAsync(TestMessages.Convocation(), CancellationToken.None);

        var received = Assert.Single(await _server.WaitForMessagesAsync(1, Arrival));
        Assert.True(await Verifier(_key).VerifyAsync(received, SignatureOf(received)));
    }

    [Fact]
    public async Task VerifyAsync_ReceivedMessageAlteredAfterSigning_Fails()
    {
        await using var channel = ChannelFactory.ForSmtp(_server, ChannelFactory.Clock(), Sign(_key.ExportRSAPrivateKeyPem()));
        await channel.SendAsync(TestMessages.Convocation(), CancellationToken.None);
        var received = Assert.Single(await _server.WaitForMessagesAsync(1, Arrival));

        received.Subject = "Convocation modifiée en route";

        Assert.False(await Verifier(_key).VerifyAsync(received, SignatureOf(received)));
    }

    [Fact]
    public async Task SendAsync_WithoutDkimSettings_SendsNoSignature()
    {
        await using var channel = ChannelFactory.ForSmtp(_server, ChannelFactory.Clock());

        await channel.SendAsync(TestMessages.Convocation(), CancellationToken.None);

        var received = Assert.Single(await _server.WaitForMessagesAsync(1, Arrival));
        Assert.Equal(-1, received.Headers.IndexOf(HeaderId.DkimSignature));
    }

    [Fact]
    public void Constructor_HalfDkimConfigurationOrBadKey_FailsNamingTheSettingWithoutTheKey()
    {
        var options = new EmailOptions
        {
            Host = "smtp.mairie-exemple.fr",
            FromAddress = TestMessages.FromAddress,
            DkimDomain = Domain,
            DkimPrivateKeyPem = FakeSecrets.PrivateKeyPem("PASUNECLE"),
        };

        var failure = Assert.Throws<OptionsValidationException>(() => new EmailChannel(
            Options.Create(options), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<EmailChannel>.Instance));

        Assert.Contains(failure.Failures, f => f.StartsWith("Hub:Connectors:Email:DkimSelector is required", StringComparison.Ordinal));
        Assert.Contains("Hub:Connectors:Email:DkimPrivateKeyPem is not a PEM RSA private key.", failure.Failures);
        Assert.DoesNotContain("PASUNECLE", failure.Message, StringComparison.Ordinal);
        Assert.Contains("DkimPrivateKeyPem = ***", options.ToString(), StringComparison.Ordinal);
    }

    private static Action<EmailOptions> Sign(string pem) => options =>
    {
        options.DkimDomain = Domain;
        options.DkimSelector = Selector;
        options.DkimPrivateKeyPem = pem;
    };

    private static Header SignatureOf(MimeMessage message)
    {
        var index = message.Headers.IndexOf(HeaderId.DkimSignature);
        Assert.True(index >= 0, "no DKIM-Signature header");
        return message.Headers[index];
    }

    private static DkimVerifier Verifier(RSA key) =>
        new(new PublishedKey($"{Selector}._domainkey.{Domain}", "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(key.ExportSubjectPublicKeyInfo())));

    /// <summary>The DNS TXT record a DSI would publish, served without DNS.</summary>
    private sealed class PublishedKey(string name, string txt) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            $"{selector}._domainkey.{domain}" == name
                ? GetPublicKey(txt)
                : throw new InvalidOperationException($"No DKIM key published for {selector}._domainkey.{domain}.");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }

}
