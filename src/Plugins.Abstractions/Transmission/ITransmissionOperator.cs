namespace IntegrationHub.Plugins.Transmission;

/// <summary>The operator that carries adopted acts to the prefecture (@CTES / ACTES) and brings back its acknowledgement.</summary>
public interface ITransmissionOperator
{
    /// <summary>Submits an archive (envelope, message and files) for transmission.</summary>
    /// <param name="submission">The act and its archive.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The operator's transaction id and answer.</returns>
    Task<Channels.DeliveryReceipt> SubmitAsync(ActSubmission submission, CancellationToken cancellationToken);

    /// <summary>Reads the state of a submitted act.</summary>
    /// <param name="transactionId">The operator's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The state, with the acknowledgement when the prefecture has issued it.</returns>
    Task<ActTransmissionState> GetStateAsync(string transactionId, CancellationToken cancellationToken);
}

/// <summary>An act to transmit.</summary>
/// <param name="ActId">The unique act identifier (DPT-SIREN-YYYYMMDD-NUMACTE-NATURE).</param>
/// <param name="ArchiveName">The archive's file name.</param>
/// <param name="Archive">The tar.gz archive; read once.</param>
public sealed record ActSubmission(string ActId, string ArchiveName, Stream Archive);

/// <summary>Where an act stands at the operator.</summary>
/// <param name="Status"><c>pending</c>, <c>transmitted</c>, <c>acknowledged</c>, <c>rejected</c>.</param>
/// <param name="AcknowledgedAt">When the prefecture acknowledged it (ARActe), when it has.</param>
/// <param name="Detail">The operator's message.</param>
public sealed record ActTransmissionState(string Status, DateTimeOffset? AcknowledgedAt, string? Detail);
