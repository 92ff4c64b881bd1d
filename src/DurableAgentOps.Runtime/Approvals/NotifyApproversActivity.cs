using System.Text.Json.Serialization;
using Azure;
using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Notifications;
using DurableAgentOps.Runtime.Principals;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Approvals;

/// <summary>What a gate tells, to whom: the run names the gate, the change by digest, and who answered so far.</summary>
public sealed record NotifyRequest(
    NoticeKind Kind,
    string RunId,
    string Workflow,
    string DefinitionSha256,
    string StepId,
    string Gate,
    PrincipalRef Initiator,
    IReadOnlyList<string> Answered,
    string ChangeDigest,
    DateTime Deadline,
    int ApprovalsSoFar,
    string WhyThisGate,
    string? Outcome,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EvidenceBatch? Evidence = null) : ICarriesEvidence;

/// <summary>How telling went: recipients asked and each channel's result; the gate waits either way.</summary>
public sealed record NotifyOutcome(int Recipients, IReadOnlyList<NoticeResult> Results, IReadOnlyList<string> Problems)
{
    /// <summary>True when the gate has channels and not one notice reached anyone.</summary>
    public bool NobodyTold => Results.Count > 0 && Results.All(r => r.Sent == 0);
}

/// <summary>
/// Tells a gate's approvers on the gate's channels: each person gets their own signed link, bound to the run, the gate,
/// the change digest and them, expiring at the gate's deadline; a channel card gets a link any approver can open after
/// signing in; every notice also links the run's page. For an outcome it tells the initiator who decided, on which
/// channel and with what comment (read back from the decisions the run counted), tells the approvers who were asked
/// and did not answer that their answer is no longer needed, and posts an outcome card that says both; outcome notices
/// link the run's page only. Failures are reported, never thrown: the gate still waits.
/// It also keeps the waiting-gates index (<see cref="WaitingGateStore"/>) that approvers' lists read: a gate opening
/// (request, escalation, reminder) lists the run under each approver entry of the gate; an outcome removes it. The
/// orchestration calls it for gates without channels too (new runs), for the index alone.
/// </summary>
public sealed class NotifyApproversActivity(
    DefinitionStore definitions,
    ChangeStore changes,
    LinkStore links,
    DecisionStore decisions,
    WaitingGateStore gates,
    ApprovalRecipients recipients,
    PrincipalDirectory directory,
    PrincipalMatcher matcher,
    IEnumerable<IApprovalChannel> channels,
    IOptions<ApprovalsOptions> options,
    IOptions<AgentOpsRunOptions> runOptions,
    CarriedEvidence carried)
    : TaskActivity<NotifyRequest, NotifyOutcome>
{
    public const string Name = nameof(NotifyApproversActivity);

    public override async Task<NotifyOutcome> RunAsync(TaskActivityContext context, NotifyRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        await carried.AppendAsync(input); // fails the activity, unlike a failed notice: the run then keeps the records for its next append
        using var span = RuntimeTelemetry.Source.StartActivity(RuntimeTelemetry.NotifySpan);
        span?.SetTag(TelemetryTags.RunId, input.RunId);
        span?.SetTag(TelemetryTags.Workflow, input.Workflow);
        span?.SetTag(TelemetryTags.DefinitionSha256, input.DefinitionSha256);
        span?.SetTag(TelemetryTags.StepId, input.StepId);
        span?.SetTag(TelemetryTags.Gate, input.Gate);
        span?.SetTag(TelemetryTags.NoticeKind, input.Kind.ToString().ToLowerInvariant());
        try
        {
            var outcome = await NotifyAsync(input);
            span?.SetTag(TelemetryTags.Recipients, outcome.Recipients);
            span?.SetTag(TelemetryTags.Sent, outcome.Results.Sum(r => r.Sent));
            span?.SetTag(TelemetryTags.Failures, outcome.Results.Sum(r => r.Failures.Count) + outcome.Problems.Count);
            return outcome;
        }
        catch (Exception ex)
        {
            RuntimeTelemetry.Fail(span, ex);
            throw;
        }
    }

    private async Task<NotifyOutcome> NotifyAsync(NotifyRequest input)
    {
        var snapshot = await definitions.LoadAsync(input.Workflow, input.DefinitionSha256, CancellationToken.None);
        var gate = snapshot.Definition.FindGate(input.Gate) ?? throw new InvalidOperationException($"gate {input.Gate} is not in the definition");
        var indexed = await IndexAsync(input, gate, snapshot.Groups);
        var wanted = channels.Where(c => gate.Channels.Contains(c.Name, StringComparer.Ordinal)).ToList();
        var results = new List<NoticeResult>(gate.Channels
            .Where(name => !wanted.Any(c => c.Name == name && c.IsConfigured))
            .Select(name => new NoticeResult(name, 0, [$"the {name} channel is not configured on this host"])));
        wanted = [.. wanted.Where(c => c.IsConfigured)];
        if (wanted.Count == 0)
        {
            return new NotifyOutcome(0, results, indexed);
        }

        var linkKey = options.Value.Key; // signs the links and seals the stored change
        var stored = await changes.LoadAsync(input.RunId, input.ChangeDigest, CancellationToken.None);
        var sealedByThisHost = stored is not null && linkKey is not null && stored.IsSealedBy(linkKey);
        var change = sealedByThisHost ? stored! : new ProposedChange([], [], input.ChangeDigest);
        var (people, problems) = await PeopleAsync(input, gate, snapshot.Groups);
        problems.AddRange(indexed);
        if (!sealedByThisHost && linkKey is not null)
        {
            // The notice goes out (the gate waits either way) but lists no change it cannot vouch for; the page refuses too.
            problems.Add($"the stored change {input.ChangeDigest[..Math.Min(12, input.ChangeDigest.Length)]} is missing or not sealed by this host; the notice lists no change");
        }

        var notice = Notice(input, snapshot, gate, change);
        if (input.Kind == NoticeKind.Outcome)
        {
            // An outcome issues no approval link (it links the run's page), so it goes out with or without a link key.
            return await TellOutcomeAsync(input, snapshot.Definition, snapshot.Groups, notice, people, wanted, results, problems);
        }

        if (linkKey is not { } key)
        {
            results.AddRange(wanted.Select(c => new NoticeResult(c.Name, 0, [$"no link can be signed: {ApprovalsOptions.Section}:LinkSigningKey is not set"])));
            return new NotifyOutcome(people.Count, results, problems);
        }

        var signer = new ApprovalLinkSigner(key);
        var personal = new List<NoticeRecipient>();
        foreach (var person in people.Where(p => p.Mail is { Length: > 0 }))
        {
            personal.Add(new NoticeRecipient(person.Id, person.Name, person.Mail!, await IssueAsync(signer, input, person.Id, "email")));
        }

        problems.AddRange(people.Where(p => p.Mail is not { Length: > 0 }).Select(p => $"{p.Name} has no mail address in the directory"));
        var channelLink = await IssueAsync(signer, input, null, "teams");
        foreach (var channel in wanted)
        {
            results.Add(await channel.SendAsync(notice, channel.Name == "email" ? personal : [], channelLink, CancellationToken.None));
        }

        return new NotifyOutcome(people.Count, results, problems);
    }

    /// <summary>
    /// The outcome: to the initiator with who decided, and, by mail, "no longer needed" to the gate's approvers who were
    /// asked and did not answer; one card on the channel says both. Every link is the run's page (sign-in): no link that
    /// could decide is issued once the gate has closed.
    /// </summary>
    private async Task<NotifyOutcome> TellOutcomeAsync(
        NotifyRequest input, WorkflowDefinition definition, IReadOnlyList<GroupDefinition> groups, ApprovalNotice notice, IReadOnlyList<DirectoryUser> starters,
        List<IApprovalChannel> wanted, List<NoticeResult> results, List<string> problems)
    {
        var runPage = RunPageLinks.For(BaseUrl, input.RunId);
        notice = notice with { Decisions = await DecisionsAsync(input, problems) };
        var waiting = wanted.Any(c => c.Name == "email") ? await StillAskedAsync(input, definition, groups, starters, problems) : [];

        List<NoticeRecipient> Mailed(IEnumerable<DirectoryUser> people) =>
            [.. people.Where(p => p.Mail is { Length: > 0 }).Select(p => new NoticeRecipient(p.Id, p.Name, p.Mail!, runPage))];

        problems.AddRange(starters.Where(p => p.Mail is not { Length: > 0 }).Select(p => $"{p.Name} has no mail address in the directory"));
        foreach (var channel in wanted)
        {
            if (channel.Name != "email")
            {
                results.Add(await channel.SendAsync(notice with { Audience = NoticeAudience.Channel }, [], runPage, CancellationToken.None));
                continue;
            }

            var told = await channel.SendAsync(notice with { Audience = NoticeAudience.Starter }, Mailed(starters), runPage, CancellationToken.None);
            if (waiting.Count > 0)
            {
                var released = await channel.SendAsync(notice with { Audience = NoticeAudience.CoApprovers }, Mailed(waiting), runPage, CancellationToken.None);
                told = new NoticeResult(told.Channel, told.Sent + released.Sent, [.. told.Failures, .. released.Failures]);
            }

            results.Add(told);
        }

        return new NotifyOutcome(starters.Count + waiting.Count, results, problems);
    }

    /// <summary>
    /// The people who were actually mailed a link for this change (at this gate or one before it in the escalation
    /// chain) and did not use it: only they are told their answer is no longer needed. Who was asked is read from the
    /// issued links, not from today's group membership, so someone added to a group since is not told they were asked.
    /// </summary>
    private async Task<IReadOnlyList<DirectoryUser>> StillAskedAsync(
        NotifyRequest input, WorkflowDefinition definition, IReadOnlyList<GroupDefinition> groups, IReadOnlyList<DirectoryUser> starters, List<string> problems)
    {
        IReadOnlyList<IssuedLink> issued;
        try
        {
            issued = await links.ListAsync(input.RunId, CancellationToken.None);
        }
        catch (RequestFailedException ex)
        {
            problems.Add($"co-approvers: the issued links could not be read ({ex.Status} {ex.ErrorCode}); nobody is told their answer is no longer needed");
            return [];
        }

        var unused = issued.Where(l => l.ApproverId is not null && l.UsedBy is null && l.Digest == input.ChangeDigest).ToList();
        var waiting = new List<DirectoryUser>();
        foreach (var gateId in unused.Select(l => l.Gate).Distinct(StringComparer.Ordinal))
        {
            if (definition.FindGate(gateId) is not { } asked)
            {
                continue;
            }

            var ids = unused.Where(l => l.Gate == gateId).Select(l => l.ApproverId!).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var (people, unresolved) = await recipients.ResolveAsync(asked, groups, input.Initiator.Id, input.Answered, CancellationToken.None);
            problems.AddRange(unresolved.Select(p => $"co-approvers: {p}"));
            waiting.AddRange(people.Where(p => ids.Contains(p.Id)));
        }

        return [.. waiting.DistinctBy(p => p.Id, StringComparer.OrdinalIgnoreCase)
            .Where(p => !starters.Any(s => string.Equals(s.Id, p.Id, StringComparison.OrdinalIgnoreCase)))];
    }

    /// <summary>
    /// The decisions the run counted at this gate (those of the principals it names as having answered), as the approval
    /// service recorded them: who, approve or reject, the channel and the comment. Unreadable, the outcome goes without them.
    /// </summary>
    private async Task<IReadOnlyList<NoticeDecision>> DecisionsAsync(NotifyRequest input, List<string> problems)
    {
        try
        {
            var answered = new HashSet<string>(input.Answered, StringComparer.OrdinalIgnoreCase);
            return [.. (await decisions.DecisionsOfAsync(input.RunId, input.StepId, CancellationToken.None))
                .Where(d => d.Gate == input.Gate && answered.Contains(d.PrincipalId))
                .OrderBy(d => d.At)
                .Select(d => new NoticeDecision(d.PrincipalName, d.Approved, d.Channel, d.Comment, d.At))];
        }
        catch (RequestFailedException ex)
        {
            problems.Add($"the decisions could not be read ({ex.Status} {ex.ErrorCode}); the outcome notice names nobody");
            return [];
        }
    }

    /// <summary>
    /// Lists the run under each approver entry of the gate it waits at (a group by its object id from the definition, a
    /// person by the directory's object id, or by name while the directory cannot answer), or, for an outcome, removes
    /// it. A storage failure is reported with the notice: the gate still waits, and approving through a link or by run id
    /// still works; the next reminder writes the rows again.
    /// </summary>
    private async Task<List<string>> IndexAsync(NotifyRequest input, GateDefinition gate, IReadOnlyList<GroupDefinition> groups)
    {
        try
        {
            if (input.Kind == NoticeKind.Outcome)
            {
                await gates.CloseAsync(input.RunId, CancellationToken.None);
                return [];
            }

            var partitions = new List<string>();
            var groupIds = new List<string>();
            foreach (var approver in gate.Approvers)
            {
                try
                {
                    if (approver.Kind == ApproverKind.Group)
                    {
                        var id = matcher.GroupObjectId(approver.Name, groups);
                        groupIds.Add(id);
                        partitions.Add(WaitingGateStore.GroupPartition(id));
                    }
                    else if (await directory.FindUserIdAsync(approver.Name, CancellationToken.None) is { } id)
                    {
                        partitions.Add(WaitingGateStore.PersonPartition(id));
                    }
                }
                catch (DirectoryUnavailableException)
                {
                    // A group the run cannot resolve can approve nothing (the matcher refuses it too); a person whose id
                    // the directory cannot say now is listed under their name, and checked by id when listed.
                    if (approver.Kind == ApproverKind.Person)
                    {
                        partitions.Add(WaitingGateStore.NamePartition(approver.Name));
                    }
                }
            }

            await gates.OpenAsync(input.RunId, input.StepId, input.Gate, input.Deadline, [.. partitions.Distinct(StringComparer.Ordinal)], groupIds,
                CancellationToken.None);
            return [];
        }
        catch (RequestFailedException ex)
        {
            return [$"the waiting-gates index was not updated ({ex.Status} {ex.ErrorCode}); approvers' lists may miss this gate until the next notice"];
        }
    }

    /// <summary>An outcome goes to the initiator; anything else to the gate's approvers who have not answered.</summary>
    private async Task<(IReadOnlyList<DirectoryUser> People, List<string> Problems)> PeopleAsync(NotifyRequest input, GateDefinition gate, IReadOnlyList<GroupDefinition> groups)
    {
        if (input.Kind != NoticeKind.Outcome)
        {
            var (asked, problems) = await recipients.ResolveAsync(gate, groups, input.Initiator.Id, input.Answered, CancellationToken.None);
            return (asked, [.. problems]);
        }

        try
        {
            return (await directory.FindUserAsync(input.Initiator.Id.Split('/').Last(), CancellationToken.None) is { } initiator ? [initiator] : [],
                []);
        }
        catch (DirectoryUnavailableException ex)
        {
            return ([], [$"initiator: {ex.Message}"]);
        }
    }

    private async Task<Uri> IssueAsync(ApprovalLinkSigner signer, NotifyRequest input, string? approverId, string channel)
    {
        var claims = new ApprovalLinkClaims(input.RunId, input.Gate, input.StepId, approverId, channel, input.ChangeDigest,
            ApprovalLinkSigner.NewLinkId(), new DateTimeOffset(DateTime.SpecifyKind(input.Deadline, DateTimeKind.Utc)).ToUnixTimeSeconds());
        await links.IssueAsync(claims, CancellationToken.None);
        return ApprovalPageLinks.For(BaseUrl, signer.Sign(claims));
    }

    private Uri BaseUrl => options.Value.PublicBaseUrl ?? new Uri("http://localhost:7071");

    private ApprovalNotice Notice(NotifyRequest input, WorkflowSnapshot snapshot, GateDefinition gate, ProposedChange change)
    {
        var step = snapshot.Definition.FindStep(input.StepId)!;
        var identity = snapshot.Identities.First(i => i.Name == step.Identity);
        var clientId = identity.ClientIds.GetValueOrDefault(runOptions.Value.Environment, "(none)");
        return new ApprovalNotice(input.Kind, input.RunId, input.Workflow, input.StepId, input.Gate, input.Initiator.Name, identity.Name, clientId,
            ScopeLines(identity, step), change.Lines, change.Digest, input.WhyThisGate, gate.Quorum, input.ApprovalsSoFar,
            new DateTimeOffset(DateTime.SpecifyKind(input.Deadline, DateTimeKind.Utc)), input.Outcome, RunPage: RunPageLinks.For(BaseUrl, input.RunId),
            WriterActsFor: identity.IsDelegated ? input.Initiator.Name : null); // words of the notice only: from the pinned identity and the input as they are
    }

    /// <summary>The writer's granted scope in the step's system, as a reviewer reads it.</summary>
    public static IReadOnlyList<string> ScopeLines(IdentityDefinition identity, StepDefinition step)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(step);
        var grant = step.System is null ? null : identity.GrantFor(step.System);
        if (grant is null)
        {
            return ["no grant in this system"];
        }

        var lines = new List<string> { $"operations: {string.Join(", ", grant.Operations)}" };
        lines.AddRange(grant.Records.Select(r => $"records: {r.Key} in {string.Join(", ", r.Value)}"));
        lines.Add(grant.Fields.Count == 0 ? "fields: none may be written" : $"fields: {string.Join(", ", grant.Fields)}");
        return lines;
    }
}
