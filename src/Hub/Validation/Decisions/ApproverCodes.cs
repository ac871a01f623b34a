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

    /// <summary>Too many codes asked for this step and address recently.</summary>
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
}

/// <summary>
/// One-time codes by email, the approver's proof of identity when the authority has no Entra ID sign-in: six digits,
/// valid <see cref="Lifetime"/>, <see cref="MaxAttempts"/> tries, at most <see cref="MaxRequests"/> per step and address
/// within <see cref="RequestWindow"/>; only the latest code of a step and address counts. Stored as an HMAC with the
/// hub's link key under a purpose byte of its own (5), never in clear; the email is sent by a job, so the page answers
/// as fast for an approver as for anyone else.
/// </summary>
public sealed class ApproverCodes(
    HubDatabase database, LinkSigningKey signingKey, IDataProtectionProvider protection, IBackgroundJobClient jobs, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan RequestWindow = TimeSpan.FromMinutes(15);
    public const int MaxAttempts = 5;
    public const int MaxRequests = 3;

    private const byte CodePurpose = 5;
    private const string Columns = "id AS Id, step_id AS StepId, address AS Address, code_hash AS CodeHash, created_at AS CreatedAt, expires_at AS ExpiresAt, attempts AS Attempts, used_at AS UsedAt";

    internal const string ProtectorPurpose = "IntegrationHub.Validation.ApproverCodes.v1";

    public static string Normalize(string address) => address.Trim().ToLowerInvariant();

    public async Task<CodeRequestOutcome> RequestAsync(ValidationStepView step, string address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        address = Normalize(address);
        var now = time.GetUtcNow();
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        var isApprover = step.PendingApprovers.Any(a => Normalize(a) == address);
        var id = Guid.CreateVersion7();
        var inserted = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var recent = await connection.ExecuteScalarAsync<int>(
                "SELECT COUNT(*) FROM approver_codes WHERE step_id = @StepId AND address = @address AND created_at > @since",
                new { step.StepId, address, since = now - RequestWindow }, transaction);
            if (recent >= MaxRequests)
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
        if (isApprover)
        {
            var protectedCode = protection.CreateProtector(ProtectorPurpose).Protect(code);
            jobs.Enqueue<ApproverCodeMailer>(m => m.SendAsync(step.AuthorityId, id, address, step.Title, protectedCode, CancellationToken.None));
        }
        return CodeRequestOutcome.Accepted;
    }

    /// <summary>
    /// Checks a typed code against the latest one sent for the step and address. The attempt is counted before the
    /// comparison, in one statement, so parallel guesses cannot exceed <see cref="MaxAttempts"/>.
    /// </summary>
    public async Task<CodeCheck> CheckAsync(Guid stepId, string address, string code, CancellationToken cancellationToken)
    {
        address = Normalize(address);
        code = new string(code.Where(char.IsAsciiDigit).ToArray());
        await using var connection = await database.OpenAsync(cancellationToken);
        var latest = await connection.QueryFirstOrDefaultAsync<CodeRow>(
            $"SELECT {Columns} FROM approver_codes WHERE step_id = @stepId AND address = @address ORDER BY created_at DESC", new { stepId, address });
        var now = time.GetUtcNow();
        if (latest is null || latest.UsedAt is not null || latest.ExpiresAt <= now)
        {
            return new CodeCheck.Unusable();
        }
        var counted = await connection.ExecuteAsync(
            "UPDATE approver_codes SET attempts = attempts + 1 WHERE id = @Id AND attempts < @MaxAttempts AND used_at IS NULL",
            new { latest.Id, MaxAttempts });
        if (counted == 0)
        {
            return new CodeCheck.Unusable();
        }
        var expected = Encoding.ASCII.GetBytes(latest.CodeHash);
        var actual = Encoding.ASCII.GetBytes(Hash(stepId, address, code));
        return CryptographicOperations.FixedTimeEquals(expected, actual)
            ? new CodeCheck.Proven(latest.Id)
            : new CodeCheck.Wrong(MaxAttempts - latest.Attempts - 1);
    }

    /// <summary>Spends a code once its decision is recorded (or the step turned out closed): it proves nothing twice.</summary>
    public async Task MarkUsedAsync(Guid codeId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE approver_codes SET used_at = @now WHERE id = @codeId AND used_at IS NULL", new { codeId, now = time.GetUtcNow() });
    }

    private string Hash(Guid stepId, string address, string code)
    {
        var text = Encoding.UTF8.GetBytes(address + "\n" + code);
        var input = new byte[1 + 16 + text.Length];
        input[0] = CodePurpose;
        stepId.TryWriteBytes(input.AsSpan(1, 16));
        text.CopyTo(input, 17);
        return Convert.ToHexStringLower(HMACSHA256.HashData(signingKey.Key, input));
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
