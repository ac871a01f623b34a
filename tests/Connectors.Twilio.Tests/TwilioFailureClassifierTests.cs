using System.Net;
using System.Net.Sockets;
using IntegrationHub.Plugins.Channels;

namespace IntegrationHub.Connectors.Twilio.Tests;

public sealed class TwilioFailureClassifierTests
{
    public static TheoryData<int, int?> TransientAnswers => new()
    {
        { 429, 20429 },
        { 408, null },
        { 500, 20500 },
        { 502, null },
        { 503, 20503 },
        { 504, null },
    };

    public static TheoryData<int, int?> PermanentAnswers => new()
    {
        { 400, 21602 },
        { 400, 21408 },
        { 400, 21606 },
        { 401, 20003 },
        { 403, 20003 },
        { 404, 20404 },
        { 400, null },
        { 302, null },
        { 201, null },
    };

    public static TheoryData<Exception> TransportFailures => new()
    {
        new HttpRequestException("Connection refused (127.0.0.1:9)", new SocketException((int)SocketError.ConnectionRefused)),
        new IOException("connection reset"),
        new TimeoutException(),
        new TaskCanceledException("HttpClient.Timeout elapsed", new TimeoutException()),
    };

    [Theory]
    [MemberData(nameof(TransientAnswers))]
    public void Classify_ThrottledOrServerError_IsTransientWrappingTheCause(int status, int? code)
    {
        var cause = new TwilioApiException((HttpStatusCode)status, code, "try later", null);

        var mapped = TwilioFailureClassifier.Classify(cause, CancellationToken.None);

        var transient = Assert.IsType<TransientDeliveryException>(mapped);
        Assert.Same(cause, transient.InnerException);
    }

    [Fact]
    public void Classify_429WithRetryAfter_CarriesTheWait()
    {
        var cause = new TwilioApiException(HttpStatusCode.TooManyRequests, 20429, "Too Many Requests", null, TimeSpan.FromSeconds(42));

        var transient = Assert.IsType<TransientDeliveryException>(TwilioFailureClassifier.Classify(cause, CancellationToken.None));

        Assert.Equal(TimeSpan.FromSeconds(42), transient.RetryAfter);
    }

    [Theory]
    [MemberData(nameof(PermanentAnswers))]
    public void Classify_RefusalOrUnexpectedAnswer_IsPermanentWrappingTheCause(int status, int? code)
    {
        var cause = new TwilioApiException((HttpStatusCode)status, code, "refused", null);

        var permanent = Assert.IsType<PermanentDeliveryException>(TwilioFailureClassifier.Classify(cause, CancellationToken.None));

        Assert.Same(cause, permanent.InnerException);
        Assert.False(permanent.AddressRejected);
    }

    [Theory]
    [InlineData(21211)]
    [InlineData(21610)]
    [InlineData(21612)]
    [InlineData(21614)]
    [InlineData(21635)]
    public void Classify_RecipientNumberRefused_IsPermanentNamingTheCodeAndFlaggingTheAddress(int code)
    {
        var cause = TwilioApiException.FromResponse(HttpStatusCode.BadRequest,
            $$"""{"code":{{code}},"message":"Invalid 'To' Phone Number: +3361234XXXX","more_info":"https://www.twilio.com/docs/errors/{{code}}","status":400}""");

        var permanent = Assert.IsType<PermanentDeliveryException>(TwilioFailureClassifier.Classify(cause, CancellationToken.None));

        Assert.Contains($"Twilio error {code}", permanent.Message, StringComparison.Ordinal);
        Assert.True(permanent.AddressRejected);
    }

    [Theory]
    [MemberData(nameof(TransportFailures))]
    public void Classify_TransportFailure_IsTransient(Exception cause)
    {
        var transient = Assert.IsType<TransientDeliveryException>(TwilioFailureClassifier.Classify(cause, CancellationToken.None));

        Assert.Same(cause, transient.InnerException);
    }

    [Fact]
    public void Classify_CallerCancelled_PropagatesUnchanged()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Null(TwilioFailureClassifier.Classify(new TaskCanceledException(), cancelled.Token));
    }

    [Fact]
    public void Classify_ContractOrUnknownException_PropagatesUnchanged()
    {
        Assert.Null(TwilioFailureClassifier.Classify(new PermanentDeliveryException("no mobile"), CancellationToken.None));
        Assert.Null(TwilioFailureClassifier.Classify(new TransientDeliveryException("later"), CancellationToken.None));
        Assert.Null(TwilioFailureClassifier.Classify(new InvalidOperationException("bug"), CancellationToken.None));
    }

    [Fact]
    public void FromResponse_TwilioErrorJson_ReadsCodeMessageAndMoreInfo()
    {
        var error = TwilioApiException.FromResponse(HttpStatusCode.BadRequest,
            """{"code":21610,"message":"Attempt to send to unsubscribed recipient","more_info":"https://www.twilio.com/docs/errors/21610","status":400}""");

        Assert.Equal(21610, error.ErrorCode);
        Assert.Equal("Attempt to send to unsubscribed recipient", error.TwilioMessage);
        Assert.Equal("https://www.twilio.com/docs/errors/21610", error.MoreInfo);
        Assert.Equal("Twilio error 21610 (HTTP 400): Attempt to send to unsubscribed recipient (https://www.twilio.com/docs/errors/21610)", error.Message);
    }

    [Theory]
    [InlineData("<html><body>Bad gateway</body></html>")]
    [InlineData("")]
    [InlineData("[1,2]")]
    public void FromResponse_NotTwilioJson_KeepsTheStatusOnly(string body)
    {
        var error = TwilioApiException.FromResponse(HttpStatusCode.BadGateway, body);

        Assert.Null(error.ErrorCode);
        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.IsType<TransientDeliveryException>(TwilioFailureClassifier.Classify(error, CancellationToken.None));
    }
}
