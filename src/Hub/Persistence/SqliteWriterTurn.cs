namespace IntegrationHub.Persistence;

/// <summary>
/// This process's turn at SQLite's single writer, in two queues. Short transactions (a delivery's claim or outcome,
/// under a millisecond) are served before bulk ones (a session's send writes its whole outbox, ≈ 50 ms for 30
/// members): with one first-come queue, 200 sends queued at the start of a dispatch held the writer for 10 s and
/// almost no message left meanwhile (bench/README.md). A bulk transaction is never starved: after
/// <see cref="ShortTurnsBeforeBulk"/> short turns in a row while one waits, the oldest waiting bulk goes next.
/// </summary>
internal sealed class SqliteWriterTurn
{
    /// <summary>
    /// How many short transactions may pass a waiting bulk one. Four workers each hold at most one short turn at a
    /// time, so this is about four deliveries per worker between two sends: a send waits at most ≈ 16 ms longer.
    /// </summary>
    internal const int ShortTurnsBeforeBulk = 16;

    private readonly Lock _gate = new();
    private readonly LinkedList<TaskCompletionSource> _short = new();
    private readonly LinkedList<TaskCompletionSource> _bulk = new();
    private bool _held;
    private int _shortTurnsWhileBulkWaits;

    /// <summary>
    /// Waits for the turn: true when it was given (the caller must <see cref="Release"/> it), false when
    /// <paramref name="timeout"/> passed first (the caller goes on without it, on SQLite's own locking).
    /// </summary>
    public async Task<bool> WaitAsync(bool bulk, TimeSpan timeout, CancellationToken cancellationToken)
    {
        LinkedListNode<TaskCompletionSource> node;
        lock (_gate)
        {
            if (!_held)
            {
                _held = true;
                return true;
            }
            var queue = bulk ? _bulk : _short;
            if (bulk && queue.Count == 0)
            {
                _shortTurnsWhileBulkWaits = 0;
            }
            node = queue.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        try
        {
            await node.Value.Task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            lock (_gate)
            {
                if (node.List is { } queue)
                {
                    // Still waiting: leave the queue.
                    queue.Remove(node);
                    cancellationToken.ThrowIfCancellationRequested();
                    return false;
                }
            }
            // The turn was given just as the wait ended: it is ours, hand it on if the caller gave up.
            if (cancellationToken.IsCancellationRequested)
            {
                Release();
                throw;
            }
            return true;
        }
    }

    /// <summary>Ends this turn and gives the next to a waiting short transaction, or to a bulk one when it is due.</summary>
    public void Release()
    {
        TaskCompletionSource next;
        lock (_gate)
        {
            LinkedList<TaskCompletionSource> queue;
            if (_short.Count > 0 && (_bulk.Count == 0 || _shortTurnsWhileBulkWaits < ShortTurnsBeforeBulk))
            {
                queue = _short;
                _shortTurnsWhileBulkWaits++;
            }
            else if (_bulk.Count > 0)
            {
                queue = _bulk;
                _shortTurnsWhileBulkWaits = 0;
            }
            else
            {
                _held = false;
                return;
            }
            next = queue.First!.Value;
            queue.RemoveFirst();
        }
        next.SetResult();
    }
}
