using System.Net.Sockets;
using IntegrationHub.Plugins.Channels;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// Sends one email per <see cref="OutboundMessage"/>, with an iMIP calendar invitation when the message carries one,
/// through an SMTP server (MailKit) or, without a server, into a pickup directory.
/// </summary>
/// <remarks>
/// SMTP connections are pooled: a message goes out on an already connected and authenticated client when one is free
/// (at most <see cref="EmailOptions.MaxConnections"/>, one per concurrent send), probed with NOOP when it sat idle for
/// more than 30 s. Channels of the process with the same relay, credentials and connection settings share one pool
/// (<see cref="SharedSmtpConnectionPools"/>). Delivery-status notifications are requested when the server offers DSN, and the message is
/// DKIM-signed when the settings give a key. The Message-ID is derived from the idempotency key, so a retried
/// delivery carries the same one. Disposing the channel closes its connections with QUIT (once no other channel shares
/// them); a send on a disposed channel fails as a <see cref="TransientDeliveryException"/> even while the shared pool
/// lives on for other channels: the hub disposes a channel when its connector's settings change, and the retry must
/// resolve the connector again and send with the new relay and account, never through the old ones.
/// </remarks>
public sealed class EmailChannel : IChannel, IAsyncDisposable, IDisposable
{
    /// <summary>The channel kind and the key of the channel in DI.</summary>
    public const string ChannelKind = "email";

    private static readonly FormatOptions EmlFormat = CreateEmlFormat();

    private readonly EmailOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<EmailChannel> _logger;
    private readonly SharedSmtpConnectionPools.Lease? _lease;
    private readonly DkimSigner? _dkimSigner;
    private int _disposed;

    /// <summary>Creates the channel.</summary>
    /// <param name="options">The channel settings; validated here too, so a channel built by hand fails as early as one from DI.</param>
    /// <param name="timeProvider">Clock for the <c>Date</c> header, the calendar <c>DTSTAMP</c> and how long a pooled connection sat idle.</param>
    /// <param name="logger">Logger.</param>
    /// <exception cref="OptionsValidationException">The settings are invalid.</exception>
    public EmailChannel(IOptions<EmailOptions> options, TimeProvider timeProvider, ILogger<EmailChannel> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        var value = options.Value;
        var validation = new EmailOptionsValidator().Validate(Options.DefaultName, value);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(EmailOptions), validation.Failures);
        }

        _options = value;
        _timeProvider = timeProvider;
        _logger = logger;
        _dkimSigner = DkimSigning.CreateSigner(value);
        _lease = value.UsesPickupDirectory ? null : SharedSmtpConnectionPools.Acquire(value, timeProvider, logger);
    }

    /// <inheritdoc />
    public string Kind => ChannelKind;

    /// <inheritdoc />
    /// <remarks>
    /// The receipt holds the Message-ID (without angle brackets) and the SMTP server's reply to the message data,
    /// or <c>pickup:&lt;file name&gt;</c> in pickup-directory mode.
    /// </remarks>
    public async Task<DeliveryReceipt> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfClosed();

        using var mime = EmailMessageBuilder.Build(message, _options, _timeProvider.GetUtcNow());
        if (_dkimSigner is not null)
        {
            DkimSigning.Sign(mime, _dkimSigner);
        }

        try
        {
            var response = _options.UsesPickupDirectory
                ? await WriteToPickupDirectoryAsync(mime, MessageIdentity.Stem(message.IdempotencyKey), cancellationToken)
                : await SendThroughSmtpAsync(mime, cancellationToken);
            return new DeliveryReceipt(mime.MessageId!, response);
        }
        catch (Exception exception) when (EmailFailureClassifier.Classify(exception, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
        catch (ObjectDisposedException exception) when (Volatile.Read(ref _disposed) != 0)
        {
            // Disposed between the check above and the rent, and the shared pool closed with it.
            throw Closed(exception);
        }
    }

    /// <summary>Closes the pooled SMTP connections with QUIT, unless another channel still shares them.</summary>
    /// <returns>A task.</returns>
    public ValueTask DisposeAsync()
    {
        Volatile.Write(ref _disposed, 1);
        return _lease?.DisposeAsync() ?? ValueTask.CompletedTask;
    }

    /// <summary>Closes the pooled SMTP connections with QUIT, unless another channel still shares them.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposed, 1);
        _lease?.Dispose();
    }

    private void ThrowIfClosed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw Closed(null);
        }
    }

    private static TransientDeliveryException Closed(ObjectDisposedException? inner)
    {
        const string Message = "The email channel was closed (its connector's settings changed or the hub is stopping); the retry resolves the connector again.";
        return inner is null ? new TransientDeliveryException(Message) : new TransientDeliveryException(Message, inner);
    }

    private async Task<string> SendThroughSmtpAsync(MimeMessage mime, CancellationToken cancellationToken)
    {
        var pool = _lease!.Pool;
        var connection = await pool.RentAsync(cancellationToken);
        var reusable = false;
        try
        {
            // Checked again once a connection is in hand (the wait for a free one can be long): the lease may have been
            // released meanwhile while the pool, shared with other channels, stays open. The connection is untouched.
            if (Volatile.Read(ref _disposed) != 0)
            {
                reusable = true;
                throw Closed(null);
            }

            // MailKit returns only on a 250 reply to the message data, and returns that reply's text without the code
            // (e.g. "2.0.0 Ok: queued as 4F2B1"); any other code throws. The receipt keeps the whole reply as evidence.
            // Once the server has accepted the message nothing else happens on this connection for it (no QUIT), so
            // neither the caller's cancellation nor a later failure can turn a delivered message into a retry.
            var reply = "250 " + await connection.Client.SendAsync(mime, cancellationToken);
            reusable = true;
            return reply;
        }
        catch (SmtpCommandException)
        {
            // A refused command ends the SMTP transaction, not the session (MailKit sends RSET): the connection
            // serves the next message unless the server closed it (421), which Return notices.
            reusable = true;
            throw;
        }
        catch (Exception exception) when (exception is IOException or SocketException or TimeoutException
                                              or SmtpProtocolException or ServiceNotConnectedException)
        {
            _logger.LogDebug(exception, "SMTP connection to {Host}:{Port} failed; dropping the idle ones too.", _options.Host, _options.Port);
            pool.AbandonIdle();
            throw;
        }
        finally
        {
            pool.Return(connection, reusable);
        }
    }

    private async Task<string> WriteToPickupDirectoryAsync(MimeMessage mime, string fileStem, CancellationToken cancellationToken)
    {
        var directory = Path.GetFullPath(_options.PickupDirectory!);
        Directory.CreateDirectory(directory);
        var fileName = fileStem + ".eml";
        var finalPath = Path.Combine(directory, fileName);

        // Written beside the target then renamed, so a pickup consumer never reads a half-written file; the
        // temporary name is hidden and does not end in .eml.
        var temporaryPath = Path.Combine(directory, $".{fileStem}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                             bufferSize: 16 * 1024, FileOptions.Asynchronous))
            {
                await mime.WriteToAsync(EmlFormat, stream, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            // The same key always maps to the same file: a retried delivery replaces its own earlier copy.
            File.Move(temporaryPath, finalPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporaryPath);
            throw;
        }

        return "pickup:" + fileName;
    }

    private static FormatOptions CreateEmlFormat()
    {
        // Pickup consumers (IIS SMTP, Exchange pickup, mail clients) expect CRLF whatever the host OS.
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }
}
