namespace IntegrationHub.Members;

/// <summary>
/// How a member receives convocations. Since loi n° 2019-1461 (art. 9), CGCT L2121-10 makes the electronic
/// convocation the rule; paper is sent only to a member who asked for it in writing.
/// </summary>
public enum DeliveryPreference
{
    /// <summary>API value <c>electronic</c>; <c>électronique</c> in a CSV import.</summary>
    Electronic,

    /// <summary>API value <c>paper</c>; <c>papier</c> in a CSV import.</summary>
    Paper,
}

/// <summary>
/// A member's details once validated by <see cref="MemberFieldsValidator"/>: names trimmed, email lower-cased,
/// mobile in E.164, and <see cref="PaperRequestedOn"/> set exactly when <see cref="Delivery"/> is paper.
/// </summary>
public sealed record MemberFields(
    string FirstName,
    string LastName,
    string? Email,
    string? Mobile,
    string? M365Upn,
    DeliveryPreference Delivery,
    DateOnly? PaperRequestedOn);

/// <summary>One invalid input field: <see cref="Field"/> is the camelCase API name, <see cref="Message"/> is French.</summary>
public sealed record FieldError(string Field, string Message);
