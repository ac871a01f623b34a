namespace IntegrationHub.Plugins.Approvals;

/// <summary>
/// Tells an approver that a dossier awaits their decision (for example a card in Teams). The decision itself is taken
/// in the hub after the approver proves who they are; the surface only notifies, with a signed link.
/// </summary>
public interface IApprovalSurface
{
    /// <summary>Posts the notification.</summary>
    /// <param name="request">What to show.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The provider's id of the notification and its answer.</returns>
    Task<Channels.DeliveryReceipt> NotifyAsync(ApprovalRequest request, CancellationToken cancellationToken);
}

/// <summary>A request for a decision.</summary>
/// <param name="IdempotencyKey">Stable per circuit step.</param>
/// <param name="ApproverName">Who decides.</param>
/// <param name="ApproverAddress">Their address on the surface (UPN, email).</param>
/// <param name="Title">Title in French.</param>
/// <param name="Summary">Summary in French.</param>
/// <param name="DecisionLink">Signed link to the decision page in the hub.</param>
public sealed record ApprovalRequest(string IdempotencyKey, string ApproverName, string ApproverAddress, string Title, string Summary, Uri DecisionLink);
