using System.Collections.Concurrent;
using IntegrationHub.Validation;

namespace IntegrationHub.Tests.Validation;

/// <summary>A notifier of our own contract that keeps what it was given, and fails the next <see cref="FailNext"/> posts.</summary>
public sealed class RecordingNotifier : IValidationNotifier
{
    public const string Name = "recording";

    private int _failNext;

    public string Channel => Name;

    public ConcurrentQueue<ValidationNotice> Posted { get; } = new();

    public int Attempts => _attempts;

    private int _attempts;

    public void FailNext(int count) => Interlocked.Exchange(ref _failNext, count);

    public Task<bool> IsConfiguredAsync(Guid authorityId, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task NotifyAsync(ValidationNotice notice, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _attempts);
        if (Interlocked.Decrement(ref _failNext) >= 0)
        {
            throw new InvalidOperationException("Le service de messagerie ne répond pas (panne simulée).");
        }
        Posted.Enqueue(notice);
        return Task.CompletedTask;
    }

    public IReadOnlyList<ValidationNotice> For(Guid circuitId) => Posted.Where(n => n.Step.CircuitId == circuitId).ToList();
}
