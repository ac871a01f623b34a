namespace IntegrationHub.Members;

/// <summary>An élu of one authority. The same person in another authority is another member with the same <see cref="PersonKey"/>.</summary>
public sealed class Member
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public string FirstName { get; set; } = "";
    public string LastName { get; set; } = "";
    public string? Email { get; set; }
    public string? Mobile { get; set; }
    public string? M365Upn { get; set; }
    public string Delivery { get; set; } = DeliveryNames.Electronic;
    public DateOnly? PaperRequestedOn { get; set; }
    public string? PersonKey { get; set; }

    /// <summary>Why the SMS provider refused this number for good, until the number is changed.</summary>
    public string? MobileProblem { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public string DisplayName => $"{FirstName} {LastName}";

    public bool WantsPaper => Delivery == DeliveryNames.Paper;

    /// <summary>Links one person's memberships across authorities (a commune and its EPCI): identity is the email, else the UPN.</summary>
    public static string? PersonKeyOf(string? email, string? upn) =>
        (email ?? upn)?.Trim().ToLowerInvariant() is { Length: > 0 } key ? key : null;

    public void Apply(MemberFields fields)
    {
        FirstName = fields.FirstName;
        LastName = fields.LastName;
        Email = fields.Email;
        if (fields.Mobile != Mobile)
        {
            MobileProblem = null;
        }
        Mobile = fields.Mobile;
        M365Upn = fields.M365Upn;
        Delivery = DeliveryNames.Of(fields.Delivery);
        PaperRequestedOn = fields.Delivery == DeliveryPreference.Paper ? fields.PaperRequestedOn : null;
        PersonKey = PersonKeyOf(fields.Email, fields.M365Upn);
    }
}

public static class DeliveryNames
{
    public const string Electronic = "electronic";
    public const string Paper = "paper";

    public static string Of(DeliveryPreference preference) => preference == DeliveryPreference.Paper ? Paper : Electronic;
}
