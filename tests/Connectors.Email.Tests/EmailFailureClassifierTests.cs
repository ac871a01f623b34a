using System.Net.Sockets;
using IntegrationHub.Plugins.Channels;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace IntegrationHub.Connectors.Email.Tests;

public sealed class EmailFailureClassifierTests
{
    public static TheoryData<int, SmtpErrorCode> PermanentSmtpReplies => new()
    {
        { 550, SmtpErrorCode.RecipientNotAccepted },
        { 553, SmtpErrorCode.SenderNotAccepted },
        { 552, SmtpErrorCode.MessageNotAccepted },
        { 554, SmtpErrorCode.MessageNotAccepted },
    };

    public static TheoryData<int, SmtpErrorCode> TransientSmtpReplies => new()
    {
        { 450, SmtpErrorCode.RecipientNotAccepted },
        { 451, SmtpErrorCode.SenderNotAccepted },
        { 452, SmtpErrorCode.MessageNotAccepted },
        { 421, SmtpErrorCode.UnexpectedStatusCode },
    };

    public static TheoryData<Exception> TransportFailures => new()
    {
        new SocketException((int)SocketError.ConnectionRefused),
        new IOException("connection reset"),
        new TimeoutException(),
        new SmtpProtocolException("unexpected disconnect"),
        new ServiceNotConnectedException(),
        new SslHandshakeException("interrupted", new IOException("reset during handshake")),
        new OperationCanceledException("timeout inside the transport"),
    };

    public static TheoryData<Exception> SettingsFailures => new()
    {
        new AuthenticationException("535 5.7.8 bad credentials"),
        new ServiceNotAuthenticatedException("530 authentication required"),
        new NotSupportedException("The SMTP server does not support authentication."),
        new SslHandshakeException("certificate rejected"),
        new UnauthorizedAccessException("pickup directory read-only"),
    };

    [Theory]
    [MemberData(nameof(PermanentSmtpReplies))]
    public void Classify_Smtp5xxReply_IsPermanentWrappingTheCause(int status, SmtpErrorCode code)
    {
        var cause = new SmtpCommandException(code, (SmtpStatusCode)status, new MailboxAddress("Élu", "elu@exemple.fr"), "refused");

        var mapped = EmailFailureClassifier.Classify(cause, CancellationToken.None);

        var permanent = Assert.IsType<PermanentDeliveryException>(mapped);
        Assert.Same(cause, permanent.InnerException);
        Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), permanent.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(550, "5.1.1 <elu@exemple.fr>: Recipient address rejected: User unknown", true)]
    [InlineData(550, "5.1.2 Bad destination system address", true)]
    [InlineData(553, "mailbox name not allowed", true)]
    [InlineData(551, "User not local; please try <elu@ailleurs.fr>", true)]
    [InlineData(550, "5.7.1 <elu@exemple.fr>: Relay access denied", false)]
    [InlineData(550, "Mailbox unavailable", false)]
    [InlineData(554, "5.7.1 Rejected by policy", false)]
    public void Classify_RecipientRefused_FlagsTheAddressOnlyWhenItIsTheAddressesFault(int status, string text, bool addressRejected)
    {
        var cause = new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, (SmtpStatusCode)status, new MailboxAddress("Élu", "elu@exemple.fr"), text);

        var permanent = Assert.IsType<PermanentDeliveryException>(EmailFailureClassifier.Classify(cause, CancellationToken.None));

        Assert.Equal(addressRejected, permanent.AddressRejected);
        Assert.Same(cause, permanent.InnerException);
    }

    [Fact]
    public void Classify_MessageRefusedWith5_1Code_DoesNotFlagTheAddress()
    {
        var cause = new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, (SmtpStatusCode)552, "5.1.1 whatever");

        Assert.False(Assert.IsType<PermanentDeliveryException>(EmailFailureClassifier.Classify(cause, CancellationToken.None)).AddressRejected);
    }

    [Theory]
    [MemberData(nameof(TransientSmtpReplies))]
    public void Classify_Smtp4xxReply_IsTransientWrappingTheCause(int status, SmtpErrorCode code)
    {
        var cause = new SmtpCommandException(code, (SmtpStatusCode)status, "try again later");

        var mapped = EmailFailureClassifier.Classify(cause, CancellationToken.None);

        Assert.Same(cause, Assert.IsType<TransientDeliveryException>(mapped).InnerException);
    }

    [Theory]
    [MemberData(nameof(TransportFailures))]
    public void Classify_TransportFailure_IsTransient(Exception cause)
    {
        var mapped = EmailFailureClassifier.Classify(cause, CancellationToken.None);

        Assert.Same(cause, Assert.IsType<TransientDeliveryException>(mapped).InnerException);
    }

    [Theory]
    [MemberData(nameof(SettingsFailures))]
    public void Classify_SettingsTheServerRefuses_IsPermanent(Exception cause)
    {
        var mapped = EmailFailureClassifier.Classify(cause, CancellationToken.None);

        Assert.Same(cause, Assert.IsType<PermanentDeliveryException>(mapped).InnerException);
    }

    [Fact]
    public void Classify_CancellationTheCallerAskedFor_PropagatesUnchanged()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();

        Assert.Null(EmailFailureClassifier.Classify(new OperationCanceledException(source.Token), source.Token));
        Assert.Null(EmailFailureClassifier.Classify(new TaskCanceledException(), source.Token));
    }

    [Fact]
    public void Classify_ContractExceptionsAndUnknownFailures_PropagateUnchanged()
    {
        Assert.Null(EmailFailureClassifier.Classify(new PermanentDeliveryException("bad address"), CancellationToken.None));
        Assert.Null(EmailFailureClassifier.Classify(new TransientDeliveryException("later"), CancellationToken.None));
        Assert.Null(EmailFailureClassifier.Classify(new InvalidOperationException("a bug"), CancellationToken.None));
    }
}
