namespace IntegrationHub.Validation.Decisions;

/// <summary>
/// What the decision pages need from the circuits: a step as approvers see it, and recording a decision whose author
/// the page has already proven. Implemented over the circuits' <c>ValidationService</c>.
/// </summary>
public interface IStepDecisions
{
    Task<ValidationStepView?> GetStepAsync(Guid stepId, CancellationToken cancellationToken);

    /// <summary>
    /// Records <c>approve</c>, <c>reject</c> or <c>delegate</c> by <paramref name="approver"/>, whose identity was proven by
    /// <paramref name="proof"/>: <c>otp</c> (code by email) or <c>oidc</c> (Entra ID).
    /// </summary>
    Task<StepDecisionResult> DecideAsync(
        Guid stepId, string approver, string decision, string? comment, string? delegateTo, string proof, CancellationToken cancellationToken);
}

/// <summary>What became of a decision.</summary>
public abstract record StepDecisionResult
{
    private StepDecisionResult() { }

    public sealed record Recorded(string StepState, string CircuitState) : StepDecisionResult;

    public sealed record NotAnApprover : StepDecisionResult;

    public sealed record StepClosed(string State) : StepDecisionResult;

    /// <summary>The decision was refused; <paramref name="Reason"/> is French, for the page.</summary>
    public sealed record Invalid(string Reason) : StepDecisionResult;
}
