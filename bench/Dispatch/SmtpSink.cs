using IntegrationHub.TestSupport.Smtp;
using MimeKit;

namespace IntegrationHub.Bench.Dispatch;

/// <summary>
/// The SMTP stand-in, either in-process (<see cref="RecordingSmtpServer"/>: a C# server on a socket, keeps messages in
/// memory) or Debian's aiosmtpd (<see cref="SmtpSinkServer"/>: a Python process writing a Maildir).
/// </summary>
internal sealed class SmtpSink : IDisposable
{
    // aiosmtpd's Mailbox handler adds these; they are not part of what the hub sent.
    private static readonly string[] AddedBySink = ["X-Peer", "X-MailFrom", "X-RcptTo"];

    private readonly RecordingSmtpServer? _recording;
    private readonly SmtpSinkServer? _aiosmtpd;

    public SmtpSink(string kind)
    {
        if (kind == "aiosmtpd")
        {
            _aiosmtpd = new SmtpSinkServer();
        }
        else
        {
            // DSN advertised, like a real relay (and like the npm smtp-server INTEGRATIONS.md §5 was verified against).
            _recording = new RecordingSmtpServer(advertiseDsn: true);
        }
    }

    public string Host => _recording?.Host ?? _aiosmtpd!.Host;

    public int Port => _recording?.Port ?? _aiosmtpd!.Port;

    public int Count => _recording?.Messages.Count ?? _aiosmtpd!.MessageCount;

    /// <summary>Connections opened (in-process server only; -1 for aiosmtpd).</summary>
    public int Connections => _recording?.Connections ?? -1;

    /// <summary>The messages received, as the client sent them (for the baseline to send the same ones).</summary>
    public async Task<List<MimeMessage>> MessagesAsync()
    {
        if (_recording is not null)
        {
            return _recording.Messages.Select(m => MimeMessage.Load(new MemoryStream(m.Data))).ToList();
        }

        var messages = await _aiosmtpd!.WaitForMessagesAsync(0, TimeSpan.FromSeconds(1));
        foreach (var message in messages)
        {
            foreach (var header in AddedBySink)
            {
                message.Headers.RemoveAll(header);
            }
        }

        return [.. messages];
    }

    public void Dispose()
    {
        _recording?.Dispose();
        _aiosmtpd?.Dispose();
    }
}
