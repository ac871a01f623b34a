namespace IntegrationHub.Validation.Decisions;

/// <summary>Until the circuits are in this build: no step exists, every link is refused.</summary>
public sealed class NoStepDecisions : IStepDecisions
{
    public Task<ValidationStepView?> GetStepAsync(Guid stepId, CancellationToken cancellationToken) => Task.FromResult<ValidationStepView?>(null);

    public Task<StepDecisionResult> DecideAsync(Guid stepId, string approver, string decision, string? comment, string? delegateTo, string proof, CancellationToken cancellationToken) =>
        Task.FromResult<StepDecisionResult>(new StepDecisionResult.StepClosed("unknown"));
}
