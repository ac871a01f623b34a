using System.Formats.Asn1;

namespace IntegrationHub.Connectors.Timestamping;

/// <summary>PKIStatus values (RFC 3161 §2.4.2).</summary>
public enum TimestampStatus
{
    /// <summary>granted: a token is present.</summary>
    Granted = 0,

    /// <summary>grantedWithMods: a token is present, modified from what was requested.</summary>
    GrantedWithMods = 1,

    /// <summary>rejection: no token; see the failure information.</summary>
    Rejection = 2,

    /// <summary>waiting: the request is not handled yet.</summary>
    Waiting = 3,

    /// <summary>revocationWarning: a revocation is imminent.</summary>
    RevocationWarning = 4,

    /// <summary>revocationNotification: a revocation has occurred.</summary>
    RevocationNotification = 5,
}

/// <summary>The status part of a TimeStampResp, as read from the wire.</summary>
/// <param name="Status">The PKIStatus.</param>
/// <param name="Text">The statusString's first text, if any.</param>
/// <param name="Failures">The failInfo bits.</param>
internal sealed record TimestampResponseStatus(TimestampStatus Status, string? Text, TimestampFailures Failures)
{
    public bool IsGranted => Status is TimestampStatus.Granted or TimestampStatus.GrantedWithMods;
}

/// <summary>
/// TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL } with
/// PKIStatusInfo ::= SEQUENCE { status INTEGER, statusString SEQUENCE OF UTF8String OPTIONAL, failInfo BIT STRING OPTIONAL }.
/// </summary>
internal static class TimeStampResp
{
    public static byte[] Encode(TimestampStatus status, string? text, TimestampFailures failures, ReadOnlySpan<byte> tokenDer)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteInteger((int)status);
                if (text is not null)
                {
                    using (writer.PushSequence())
                    {
                        writer.WriteCharacterString(UniversalTagNumber.UTF8String, text);
                    }
                }

                if (failures != TimestampFailures.None)
                {
                    writer.WriteNamedBitList(failures);
                }
            }

            if (!tokenDer.IsEmpty)
            {
                writer.WriteEncodedValue(tokenDer);
            }
        }

        return writer.Encode();
    }

    /// <summary>Reads the status of a response.</summary>
    /// <exception cref="AsnContentException">The bytes are not a TimeStampResp.</exception>
    public static TimestampResponseStatus ReadStatus(ReadOnlyMemory<byte> response)
    {
        var outer = new AsnReader(response, AsnEncodingRules.BER).ReadSequence();
        var info = outer.ReadSequence();
        if (!info.TryReadInt32(out var status) || status is < 0 or > 5)
        {
            throw new AsnContentException("PKIStatus is not one of 0 to 5.");
        }

        string? text = null;
        if (info.HasData && info.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var texts = info.ReadSequence();
            text = texts.HasData ? texts.ReadCharacterString(UniversalTagNumber.UTF8String) : null;
        }

        var failures = info.HasData ? info.ReadNamedBitListValue<TimestampFailures>() : TimestampFailures.None;
        return new TimestampResponseStatus((TimestampStatus)status, text, failures);
    }
}
