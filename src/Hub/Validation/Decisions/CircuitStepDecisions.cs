namespace IntegrationHub.Validation.Decisions;

/// <summary>The decision pages' view of the circuits: <see cref="ValidationService"/>, its outcomes in the pages' terms.</summary>
public sealed class CircuitStepDecisions(ValidationService validation) : IStepDecisions
{
    public Task<ValidationStepView?> GetStepAsync(Guid stepId, CancellationToken cancellationToken) => validation.GetStepAsync(stepId, cancellationToken);

    public async Task<StepDecisionResult> DecideAsync(
        Guid stepId, string approver, string decision, string? comment, string? delegateTo, string proof, CancellationToken cancellationToken) =>
        await validation.DecideAsync(stepId, approver, decision, comment, delegateTo, proof, cancellationToken) switch
        {
            DecisionOutcome.Recorded recorded => new StepDecisionResult.Recorded(recorded.StepState, recorded.CircuitState),
            DecisionOutcome.NotAnApprover => new StepDecisionResult.NotAnApprover(),
            DecisionOutcome.StepClosed closed => new StepDecisionResult.StepClosed(closed.State),
            DecisionOutcome.Invalid invalid => new StepDecisionResult.Invalid(invalid.FrenchReason),
            var other => throw new InvalidOperationException($"Unknown decision outcome {other}."),
        };
}
