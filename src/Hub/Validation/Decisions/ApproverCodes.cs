using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Hangfire;
using IntegrationHub.Convocations;
using IntegrationHub.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace IntegrationHub.Validation.Decisions;

/// <summary>What became of a request for a code. The page says the same thing for both: it reveals no approver.</summary>
public enum CodeRequestOutcome
{
    /// <summary>Sent when the address is a pending approver of the step; silently not sent otherwise.</summary>
    Accepted,

    /// <summary>Too many codes asked for this step and address, or for this step over all addresses, recently.</summary>
    TooMany,
}

/// <summary>What a typed code proved.</summary>
public abstract record CodeCheck
{
    private CodeCheck() { }

    /// <summary>The address holds the latest code sent for the step.</summary>
    public sealed record Proven(Guid CodeId) : CodeCheck;

    public sealed record Wrong(int AttemptsLeft) : CodeCheck;

    /// <summary>No code for this address and step, or it expired, or it was used, or its attempts are spent.</summary>
    public sealed record Unusable : CodeCheck;

    /// <summary>
    /// Too many wrong codes: for this address on this step (<see cref="ForEveryone"/> false), or on this step over all
    /// addresses (true). No code is accepted any more, not even the right one, until the circuit is relaunched.
    /// </summary>
    public sealed record Locked(bool ForEveryone) : CodeCheck;
}

/// <summary>
/// One-time codes by email, the approver's proof of identity when the authority has no Entra ID sign-in: eight digits,
/// valid <see cref="Lifetime"/>, <see cref="MaxAttempts"/> tries, at most <see cref="MaxRequests"/> per step and address
/// within <see cref="RequestWindow"/> and <see cref="MaxStepRequests"/> per step within <see cref="StepRequestWindow"/>;
/// only the latest code of a step and address counts. Stored as an HMAC with the hub's link key under a purpose byte of
/// its own (5), never in clear; the email is sent by a job, enqueued alike for anyone (it sends nothing to whoever is
/// not a pending approver), so the page answers as fast for an approver as for anyone else.
/// </summary>
/// <remarks>
/// A step's links live 30 days and the Teams card shows its pending approvers to the whole channel: per-code tries alone
/// would let anyone with the link guess again with every new code for the step's whole life. So wrong codes are also
/// counted over all codes of a step: <see cref="MaxFailuresPerAddress"/> for one address lock that address on the step,
/// <see cref="MaxFailuresPerStep"/> over all addresses lock the step for everyone (the secretariat relaunches the circuit,
/// which opens new steps). A row's <c>attempts</c> counts its wrong codes only (a proven try is given back), and rows
/// with wrong codes are kept while their step is open (<see cref="PurgeAsync"/>), so the count survives the purge.
/// </remarks>
public sealed class ApproverCodes(
    HubDatabase database, LinkSigningKey signingKey, IDataProtectionProvider protection, IBackgroundJobClient jobs, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan RequestWindow = TimeSpan.FromMinutes(15);
    public const int MaxAttempts = 5;
    public const int MaxRequests = 3;
    public static readonly TimeSpan StepRequestWindow = TimeSpan.FromHours(1);
    public const int MaxStepRequests = 30;
    public const int MaxFailuresPerAddress = 10;
    public const int MaxFailuresPerStep = 50;
    public const int Digits = 8;

    /// <summary>Spent or expired codes are kept this long (for the request limits), then purged.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    private const byte CodePurpose = 5;
    private const string Columns = "id AS Id, step_id AS StepId, address AS Address, code_hash AS CodeHash, created_at AS CreatedAt, expires_at AS ExpiresAt, attempts AS Attempts, used_at AS UsedAt";

    internal const string ProtectorPurpose = "IntegrationHub.Validation.ApproverCodes.v1";

    public static string Normalize(string address) => address.Trim().ToLowerInvariant();

    public async Task<CodeRequestOutcome> RequestAsync(ValidationStepView step, string address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        address = Normalize(address);
        var now = time.GetUtcNow();
        var code = RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D" + Digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var isApprover = step.PendingApprovers.Any(a => Normalize(a) == address);
        var id = Guid.CreateVersion7();
        var inserted = await database.InTransactionAsync(async (connection, transaction) =>
        {
            // Per address, and per step over all addresses: anyone with the link may ask, for any address, and each
            // request is a row.
            var recent = await connection.QuerySingleAsync<Counts>(
                """
                SELECT COALESCE(SUM(CASE WHEN address = @address AND created_at > @since THEN 1 ELSE 0 END), 0) AS ForAddress, COUNT(*) AS ForStep
                FROM approver_codes WHERE step_id = @StepId AND created_at > @stepSince
                """,
                new { step.StepId, address, since = now - RequestWindow, stepSince = now - StepRequestWindow }, transaction);
            if (recent.ForAddress >= MaxRequests || recent.ForStep >= MaxStepRequests)
            {
                return false;
            }
            await connection.ExecuteAsync(
                """
                INSERT INTO approver_codes (id, step_id, address, code_hash, created_at, expires_at, attempts, used_at)
                VALUES (@id, @StepId, @address, @hash, @now, @expires, 0, NULL)
                """,
                new { id, step.StepId, address, hash = Hash(step.StepId, address, code), now, expires = now + Lifetime }, transaction);
            return true;
        }, cancellationToken);
        if (!inserted)
        {
            return CodeRequestOutcome.TooMany;
        }
        // The same work for anyone (one encryption, one job), so the answer's timing tells no approver apart: for whoever
        // is not a pending approver the job carries an empty code and sends nothing.
        var protectedCode = protection.CreateProtector(ProtectorPurpose).Protect(isApprover ? code : "");
        jobs.Enqueue<ApproverCodeMailer>(m => m.SendAsync(step.AuthorityId, id, address, step.Title, protectedCode, CancellationToken.None));
        return CodeRequestOutcome.Accepted;
    }

    /// <summary>
    /// Checks a typed code against the latest one sent for the step and address. The attempt is counted before the
    /// comparison, in one statement with the step's limits, so parallel guesses cannot exceed <see cref="MaxAttempts"/>
    /// (nor the step's limits by more than the guesses running at the same instant); a proven try is given back.
    /// </summary>
    public async Task<CodeCheck> CheckAsync(Guid stepId, string address, string code, CancellationToken cancellationToken)
    {
        address = Normalize(address);
        code = new string(code.Where(char.IsAsciiDigit).ToArray());
        // One transaction: on SQLite it takes the process's writer turn (HubDatabase), so a check during a long dispatch
        // waits its turn instead of failing after SQLite's busy_timeout; and a proven try is given back with its count.
        return await database.InTransactionAsync<CodeCheck>(async (connection, transaction) =>
        {
            var failures = await connection.QuerySingleAsync<Counts>(
                "SELECT COALESCE(SUM(CASE WHEN address = @address THEN attempts ELSE 0 END), 0) AS ForAddress, COALESCE(SUM(attempts), 0) AS ForStep FROM approver_codes WHERE step_id = @stepId",
                new { stepId, address }, transaction);
            if (failures.ForStep >= MaxFailuresPerStep || failures.ForAddress >= MaxFailuresPerAddress)
            {
                return new CodeCheck.Locked(ForEveryone: failures.ForAddress < MaxFailuresPerAddress);
            }
            var latest = await connection.QueryFirstOrDefaultAsync<CodeRow>(
                $"SELECT {Columns} FROM approver_codes WHERE step_id = @stepId AND address = @address ORDER BY created_at DESC", new { stepId, address }, transaction);
            var now = time.GetUtcNow();
            if (latest is null || latest.UsedAt is not null || latest.ExpiresAt <= now)
            {
                return new CodeCheck.Unusable();
            }
            var counted = await connection.ExecuteAsync(
                """
                UPDATE approver_codes SET attempts = attempts + 1
                WHERE id = @Id AND attempts < @MaxAttempts AND used_at IS NULL
                  AND (SELECT COALESCE(SUM(attempts), 0) FROM approver_codes WHERE step_id = @stepId AND address = @address) < @MaxFailuresPerAddress
                  AND (SELECT COALESCE(SUM(attempts), 0) FROM approver_codes WHERE step_id = @stepId) < @MaxFailuresPerStep
                """,
                new { latest.Id, MaxAttempts, stepId, address, MaxFailuresPerAddress, MaxFailuresPerStep }, transaction);
            if (counted == 0)
            {
                return new CodeCheck.Unusable();
            }
            var expected = Encoding.ASCII.GetBytes(latest.CodeHash);
            var actual = Encoding.ASCII.GetBytes(Hash(stepId, address, code));
            if (!CryptographicOperations.FixedTimeEquals(expected, actual))
            {
                return failures.ForAddress + 1 >= MaxFailuresPerAddress || failures.ForStep + 1 >= MaxFailuresPerStep
                    ? new CodeCheck.Locked(ForEveryone: failures.ForAddress + 1 < MaxFailuresPerAddress)
                    : new CodeCheck.Wrong(MaxAttempts - latest.Attempts - 1);
            }
            // Only wrong codes count towards the step's limits.
            await connection.ExecuteAsync("UPDATE approver_codes SET attempts = attempts - 1 WHERE id = @Id", new { latest.Id }, transaction);
            return new CodeCheck.Proven(latest.Id);
        }, cancellationToken);
    }

    /// <summary>
    /// Deletes the codes spent or expired more than <see cref="Retention"/> ago, except those with wrong tries while
    /// their step is still open: they hold the step's failure count (at most <see cref="MaxFailuresPerStep"/> rows a step).
    /// </summary>
    public Task<int> PurgeAsync(CancellationToken cancellationToken) =>
        database.ExecuteWriteAsync(
            """
            DELETE FROM approver_codes
            WHERE (expires_at < @before OR used_at < @before)
              AND (attempts = 0 OR NOT EXISTS (SELECT 1 FROM validation_steps s WHERE s.id = approver_codes.step_id AND s.state = 'pending'))
            """,
            new { before = time.GetUtcNow() - Retention },
            cancellationToken);

    /// <summary>Spends a code once its decision is recorded (or the step turned out closed): it proves nothing twice.</summary>
    public Task MarkUsedAsync(Guid codeId, CancellationToken cancellationToken) =>
        database.ExecuteWriteAsync("UPDATE approver_codes SET used_at = @now WHERE id = @codeId AND used_at IS NULL", new { codeId, now = time.GetUtcNow() }, cancellationToken);

    private string Hash(Guid stepId, string address, string code)
    {
        var text = Encoding.UTF8.GetBytes(address + "\n" + code);
        var input = new byte[1 + 16 + text.Length];
        input[0] = CodePurpose;
        stepId.TryWriteBytes(input.AsSpan(1, 16));
        text.CopyTo(input, 17);
        return Convert.ToHexStringLower(HMACSHA256.HashData(signingKey.Key, input));
    }

    private sealed class Counts
    {
        public long ForAddress { get; set; }
        public long ForStep { get; set; }
    }

    private sealed class CodeRow
    {
        public Guid Id { get; set; }
        public Guid StepId { get; set; }
        public string Address { get; set; } = "";
        public string CodeHash { get; set; } = "";
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset ExpiresAt { get; set; }
        public int Attempts { get; set; }
        public DateTimeOffset? UsedAt { get; set; }
    }
}
