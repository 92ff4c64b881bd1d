namespace DurableAgentOps.Runtime.Stores;

/// <summary>A claim's answer: whether the run was admitted, and the runs waiting behind it to wake (places left free).</summary>
public sealed record AdmissionGrant(bool Admitted, IReadOnlyList<string> Wake)
{
    public static AdmissionGrant Refused { get; } = new(false, []);

    public static AdmissionGrant Admit(IReadOnlyList<string> wake) => new(true, wake);
}
