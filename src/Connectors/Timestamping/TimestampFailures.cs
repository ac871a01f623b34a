namespace IntegrationHub.Connectors.Timestamping;

/// <summary>PKIFailureInfo (RFC 3161 §2.4.2): why a TSA rejected a request. Bit <c>n</c> of the ASN.1 BIT STRING is <c>1 &lt;&lt; n</c>.</summary>
[Flags]
public enum TimestampFailures
{
    /// <summary>No failure information.</summary>
    None = 0,

    /// <summary>badAlg: unrecognized or unsupported algorithm.</summary>
    BadAlgorithm = 1 << 0,

    /// <summary>badRequest: transaction not permitted or supported.</summary>
    BadRequest = 1 << 2,

    /// <summary>badDataFormat: the data submitted has the wrong format.</summary>
    BadDataFormat = 1 << 5,

    /// <summary>timeNotAvailable: the TSA's time source is not available.</summary>
    TimeNotAvailable = 1 << 14,

    /// <summary>unacceptedPolicy: the requested TSA policy is not supported.</summary>
    UnacceptedPolicy = 1 << 15,

    /// <summary>unacceptedExtension: the requested extension is not supported.</summary>
    UnacceptedExtension = 1 << 16,

    /// <summary>addInfoNotAvailable: the additional information requested could not be understood or is not available.</summary>
    AddInfoNotAvailable = 1 << 17,

    /// <summary>systemFailure: the request cannot be handled due to system failure.</summary>
    SystemFailure = 1 << 25,
}
