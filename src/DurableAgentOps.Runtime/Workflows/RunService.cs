using System.Text.Json.Nodes;
using DurableAgentOps.Core.Governance;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Runs;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Core.Validation;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Principals;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Telemetry;
using DurableAgentOps.Runtime.Writer;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// A run as the API and CLI show it: status, current step, each step's identity and outcome, and what governance the
/// host that started it had switched off (<see cref="GovernanceOff"/>, empty when none).
/// </summary>
public sealed record RunStatus(
    string RunId,
    string Workflow,
    string DefinitionSha256,
    string Status,
    string Phase,
    string? CurrentStep,
    PrincipalRef Initiator,
    string? Outcome,
    ApprovalWait? WaitingFor,
    IReadOnlyList<StepSummary> Steps,
    IReadOnlyList<ApprovalRecord> Approvals,
    int IgnoredEvents,
    RunFailure? Failure,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastUpdatedAt,
    IReadOnlyList<NoticeSummary> Notices,
    IReadOnlyList<string> GovernanceOff,
    WriteIncomplete? Incomplete = null);

/// <summary>A gate the caller can answer now.</summary>
public sealed record PendingApproval(
    string RunId, string Workflow, string StepId, string Gate, string? Change, string? ChangeDigest, DateTime Deadline,
    int ApprovalsSoFar, int Quorum, PrincipalRef Initiator, string YouAre);

/// <summary>A page of the gates the caller can answer, and the token of the next page (null on the last).</summary>
public sealed record PendingPage(IReadOnlyList<PendingApproval> Pending, string? Next);

/// <summary>The approval link a page decision came through: its id, and the gate and change it was issued for.</summary>
public sealed record UsedLink(string LinkId, string Gate, string ChangeDigest);

/// <summary>An administrator's resume of an incomplete write, as the service recorded it, with the calls it will finish.</summary>
public sealed record ResumeReceipt(string RunId, string StepId, int Attempt, string ResumeId, PrincipalRef ResumedBy, DateTimeOffset At, WriteCalls Calls, bool AlreadyRecorded);

/// <summary>What the approval service recorded for the caller.</summary>
public sealed record DecisionReceipt(string RunId, string Gate, string StepId, string DecisionId, PrincipalRef Approver, bool Approved, string MatchedAs, bool AlreadyRecorded);

/// <summary>Why a run request was refused: unknown workflow, invalid definition or bad input (each field named), not allowed.</summary>
public sealed class RunRequestException(int status, string title, string detail, IReadOnlyList<InputError>? errors = null) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;

    public IReadOnlyList<InputError> Errors { get; } = errors ?? [];
}

/// <summary>
/// Starts governed runs, reads their status and records approval decisions, always for a verified <see cref="Caller"/>:
/// who starts is the initiator; who decides must be an approver of the gate the run waits at, by principal id.
/// Shared by the HTTP API of both hosts.
/// </summary>
public sealed class RunService(
    DurableTaskClient client,
    WorkflowCatalog workflows,
    DefinitionStore definitions,
    DecisionStore decisions,
    WaitingGateStore gates,
    PrincipalDirectory directory,
    PrincipalMatcher matcher,
    Redactor redactor,
    TimeProvider time,
    HostGovernance host,
    AdmissionStore admissions,
    IOptions<AdmissionOptions> admission,
    IssuedRunStore issued,
    AdministrativeRecords administrative,
    RunDelegation delegation)
{
    /// <summary>Longest approval comment kept; it lands in durable state and in evidence.</summary>
    public const int MaxCommentLength = 1000;

    private const string GovernanceTag = "governanceOff";

    // Every status: a run id is never reused, even after the run finished (a finished run would be replaced).
    private static readonly IReadOnlyList<OrchestrationRuntimeStatus> AnyStatus = Enum.GetValues<OrchestrationRuntimeStatus>();

    /// <summary>
    /// Asks for the run's place among the runs advancing to their first gate here, before it is scheduled, so a run
    /// admitted at once costs the engine no activity for it and a queued run none until it is woken.
    /// </summary>
    private async Task<RunAdmission?> AdmitAsync(string runId, CancellationToken cancellationToken)
    {
        var options = admission.Value;
        if (options.MaxActiveRuns <= 0)
        {
            return null;
        }

        var since = time.GetUtcNow().UtcDateTime;
        var grant = await admissions.ClaimAsync(runId, since, options.MaxActiveRuns, options.SlotLease, cancellationToken);
        foreach (var waiting in grant.Wake)
        {
            await client.RaiseEventAsync(waiting, AgentWorkflowOrchestrator.AdmissionEvent, new { from = runId }, cancellationToken);
        }

        return new RunAdmission(options.MaxActiveRuns, since, grant.Admitted);
    }

    /// <summary>
    /// Starts a run of the workflow for the caller. The app role Starter is the endpoint's policy; it is checked here
    /// again so that no other way into the service can start runs for anyone, then the workflow's starters.
    /// </summary>
    /// <remarks>
    /// <c>assertion</c> is the caller's own bearer token, as the request carried it (already validated): a workflow with
    /// steps that act for their starter opens its on-behalf-of sessions with it, and keeps nothing of it in the run.
    /// Null where the request carried none (system key, page session).
    /// </remarks>
    public async Task<string> StartAsync(string workflow, JsonObject? input, Caller caller, CancellationToken cancellationToken, string? assertion = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.IsInRole(AppRoles.Starter))
        {
            throw Forbidden($"starting a run needs the app role {AppRoles.Starter}; {caller.Name} does not hold it.");
        }
        var loaded = workflows.Find(workflow)
            ?? throw new RunRequestException(404, "Unknown workflow.", $"This host has no workflow named '{Bounded(workflow)}'.");
        if (loaded.HasErrors)
        {
            var first = loaded.AllFindings.FirstOrDefault(f => f.IsError);
            var where = first is null ? string.Empty : $"{Path.GetFileName(first.File)}:{first.Line}:{first.Column}: {first.Code}: {first.Message}";
            throw new RunRequestException(422, "The workflow file has errors.", $"{where}; run 'agentops validate' to see every finding.");
        }

        var definition = loaded.Definition!;
        if (definition.Isolation == Isolation.SeparateWriter && !host.SeparateWriter)
        {
            // Refused now rather than after people approved a change this host could never write.
            throw new RunRequestException(409, "This host has no writer.",
                $"{definition.Name} declares isolation: separate-writer, and this host has no writer ({WriterOptions.Section}:Url and IntentKey): its writes would be refused.");
        }

        var errors = RunInputValidator.Validate(definition, input);
        if (errors.Count > 0)
        {
            throw new RunRequestException(400, "The run input is invalid.",
                string.Join("; ", errors.Select(e => e.Field.Length == 0 ? e.Message : $"input.{e.Field}: {e.Message}")), errors);
        }

        var snapshot = loaded.ToSnapshot();
        if (definition.Starters.Count > 0 && await Check(() => matcher.MatchStarterAsync(definition.Starters, snapshot.Groups, caller, cancellationToken)) is null)
        {
            throw Forbidden($"{caller.Name} may not start {definition.Name}: its starters are {string.Join(", ", definition.Starters.Select(Describe))}.");
        }

        var delegated = RunDelegation.StepsActingFor(snapshot);
        if (delegation.WhyNot(definition.Name, delegated, assertion) is { } whyNot)
        {
            throw new RunRequestException(409, "This run cannot act for you.", whyNot);
        }

        await definitions.PublishAsync(snapshot, cancellationToken);
        // Twelve random hex digits always (48 bits), whatever the workflow's name: the name is cut, never the randomness.
        var name = definition.Name[..Math.Min(definition.Name.Length, 51)];
        var runId = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 13)];
        var initiator = caller.ToPrincipal();
        var sealedInput = (JsonObject)(input ?? []).DeepClone();
        if (definition.Evidence.Redact.Any(p => p.StartsWith("input.", StringComparison.Ordinal)))
        {
            try
            {
                sealedInput = await redactor.RedactAsync(runId, "input", sealedInput, definition.Evidence.Redact, cancellationToken);
            }
            catch (StepRefusedException ex)
            {
                throw new RunRequestException(503, "Redaction is not set up.", ex.Message);
            }
        }

        // What this host has switched off is decided now, for the run's record; each activity still obeys its own host.
        var off = host.GovernanceOff;
        var request = new RunRequest(runId, definition.Name, snapshot.Sha256, sealedInput, initiator, host.IdentitiesEnvironment, host.Evidence, off,
            RunLogic.Current, await AdmitAsync(runId, cancellationToken));
        var tags = new Dictionary<string, string>
        {
            ["workflow"] = definition.Name,
            ["definitionSha256"] = snapshot.Sha256,
            ["initiatorId"] = initiator.Id,
            ["initiator"] = initiator.Name,
            ["initiatorUpn"] = initiator.Upn ?? string.Empty,
        };
        if (off.Count > 0)
        {
            tags[GovernanceTag] = string.Join(',', off); // the status reads tags, not the input
        }

        // The run's trace starts here: the engine schedules the orchestration under this span (DTFx: its
        // ParentTraceContext), and the run keeps the span's traceparent in its tags for the spans of later requests.
        using var span = RuntimeTelemetry.Source.StartActivity(RuntimeTelemetry.RunSpan, System.Diagnostics.ActivityKind.Producer);
        if (span is not null)
        {
            span.SetTag(TelemetryTags.RunId, runId);
            span.SetTag(TelemetryTags.Workflow, definition.Name);
            span.SetTag(TelemetryTags.DefinitionSha256, snapshot.Sha256);
            tags[RuntimeTelemetry.TraceParentTag] = span.Id!;
        }

        try
        {
            if (delegated.Count > 0)
            {
                // Before the start is issued: a run that cannot act for its starter is not started at all.
                await BeginDelegationAsync(runId, snapshot, delegated, assertion!, initiator, cancellationToken);
            }

            // Issued before it is scheduled: the run's first activity refuses a start this service did not issue.
            await issued.IssueAsync(runId, RunIssue.Digest(request), time.GetUtcNow(), cancellationToken);
            await client.ScheduleNewOrchestrationInstanceAsync(AgentWorkflowOrchestrator.Name, request,
                new StartOrchestrationOptions(runId) { Tags = tags, DedupeStatuses = AnyStatus.Select(s => s.ToString()).ToList() }, cancellationToken);
        }
        catch
        {
            // Not started: its place goes back at once rather than when its lease runs out, and no session outlives it.
            if (request.Admission is { Admitted: true } admitted)
            {
                await admissions.ReleaseAsync(runId, admitted.Limit, admission.Value.SlotLease, CancellationToken.None);
            }

            if (delegated.Count > 0)
            {
                await delegation.EndAsync(runId, CancellationToken.None);
            }

            throw;
        }

        RuntimeTelemetry.RunsStarted.Add(1, new KeyValuePair<string, object?>(TelemetryTags.Workflow, definition.Name));
        return runId;
    }

    private async Task BeginDelegationAsync(
        string runId, WorkflowSnapshot snapshot, IReadOnlyList<(StepDefinition Step, IdentityDefinition Identity)> delegated, string assertion,
        PrincipalRef initiator, CancellationToken cancellationToken)
    {
        try
        {
            await delegation.BeginAsync(runId, snapshot, delegated, host.IdentitiesEnvironment, assertion, initiator, cancellationToken);
        }
        catch (DelegationException ex)
        {
            throw new RunRequestException(403, "The sign-in authority would not let this run act for you.", ex.Message);
        }
        catch (Exception ex) when (ex is HttpRequestException or Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException)
        {
            throw new RunRequestException(503, "The sign-in authority cannot be reached now.",
                $"this run acts for you, and the host could not open its session ({ex.GetType().Name}); nothing was started, try again later");
        }
    }

    /// <summary>The run's status for a caller who may read it: its initiator, an approver of its gate, or a reader.</summary>
    public async Task<RunStatus?> GetAsync(string runId, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var status = await ReadAsync(runId, cancellationToken);
        if (status is null)
        {
            return null;
        }

        if (caller.IsInRole(AppRoles.Reader) || caller.IsInRole(AppRoles.Administrator) || caller.Id == status.Initiator.Id)
        {
            return status;
        }

        if (status.WaitingFor is { } wait && await MatchGateAsync(status, wait.Gate, caller, cancellationToken) is not null)
        {
            return status;
        }

        throw Forbidden($"{caller.Name} may not read run '{runId}': only its initiator, the approvers of the gate it waits at, " +
            $"and holders of {AppRoles.Reader} or {AppRoles.Administrator} may.");
    }

    /// <summary>
    /// Records the caller's decision for the gate the run waits at, then tells the run its id. From the approval page,
    /// <paramref name="link"/> names the link used (recorded with the decision) and the change it was for. The run is
    /// read here, after the caller's link was consumed, so a run that moved on meanwhile is refused rather than decided.
    /// </summary>
    public async Task<DecisionReceipt> DecideAsync(
        string runId, Caller caller, bool approved, string? comment, string channel, CancellationToken cancellationToken, UsedLink? link = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (comment is { Length: > MaxCommentLength })
        {
            throw new RunRequestException(400, "The comment is too long.", $"'comment' is {comment.Length} characters; the limit is {MaxCommentLength}.");
        }

        var (found, traceParent) = await ReadTracedAsync(runId, cancellationToken);
        var status = found ?? throw new RunRequestException(404, "Unknown run.", $"No run with id '{runId}'.");
        var wait = status.WaitingFor
            ?? throw new RunRequestException(409, "The run is not waiting for approval.", $"Run '{runId}' is {InWords(status)}.");
        if (wait.SeparationOfDuties && caller.Id == status.Initiator.Id)
        {
            throw await RefuseAsync(status, wait, caller, channel, link, $"{caller.Name} started run '{runId}' and may not decide it (gate {wait.Gate} separates duties).", cancellationToken);
        }

        var matchedAs = await MatchGateAsync(status, wait.Gate, caller, cancellationToken)
            ?? throw await RefuseAsync(status, wait, caller, channel, link, $"{caller.Name} is not an approver of gate {wait.Gate} (approvers: {string.Join(", ", wait.Approvers)}).", cancellationToken);
        if (link is not null && (link.Gate != wait.Gate || link.ChangeDigest != wait.ChangeDigest))
        {
            throw new RunRequestException(409, "This review is closed.",
                $"The link is for gate {link.Gate} and change {Short(link.ChangeDigest)}; the run has moved on and now waits at gate {wait.Gate} for change {Short(wait.ChangeDigest)}.");
        }

        var decision = new RecordedDecision(runId, DecisionStore.DecisionIdFor(wait.Gate, caller.Id), wait.StepId, wait.Gate, caller.Id, caller.Name, caller.Upn,
            approved, channel, caller.ClientId, matchedAs, comment, time.GetUtcNow(), link?.LinkId, wait.ChangeDigest);
        var (recorded, existing) = await decisions.TryRecordAsync(decision, cancellationToken);
        if (!recorded && existing.Approved != approved)
        {
            throw new RunRequestException(409, "Already answered.",
                $"{caller.Name} already {(existing.Approved ? "approved" : "rejected")} gate {wait.Gate} of run '{runId}' at {existing.At:u}; a decision cannot be changed.");
        }

        // A repeated identical answer is raised again only if the run has not heard it (the first raise was lost), so
        // repeating a decision cannot grow the run's history.
        var heard = status.Approvals.Any(a => a.DecisionId == decision.DecisionId);
        if (recorded)
        {
            TraceDecision(status, wait, traceParent, approved ? "approved" : "rejected", channel, decision.At);
        }

        if (recorded || !heard)
        {
            await client.RaiseEventAsync(runId, AgentWorkflowOrchestrator.ApprovalEvent, new ApprovalSignal(decision.DecisionId), cancellationToken);
        }

        return new DecisionReceipt(runId, wait.Gate, wait.StepId, decision.DecisionId, caller.ToPrincipal(), approved, existing.MatchedAs, !recorded);
    }

    /// <summary>
    /// Records an administrator's resume of the run's incomplete write, then tells the run its id: the run sends the
    /// same approved change again, with the same idempotency keys, and no new approval. Fails closed: only a caller who
    /// holds <see cref="AppRoles.Administrator"/> (checked here, whatever the endpoint's policy) and only a run that waits
    /// in phase <c>write-incomplete</c>; one resume per park, so repeating the request resumes nothing twice.
    /// </summary>
    public async Task<ResumeReceipt> ResumeAsync(string runId, Caller caller, string channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (!caller.IsInRole(AppRoles.Administrator))
        {
            throw Forbidden($"resuming a write needs the app role {AppRoles.Administrator}; {caller.Name} does not hold it.");
        }

        var status = await ReadAsync(runId, cancellationToken)
            ?? throw new RunRequestException(404, "Unknown run.", $"No run with id '{runId}'.");
        var parked = status.Incomplete
            ?? throw new RunRequestException(409, "The run has no incomplete write.", $"Run '{runId}' is {InWords(status)}; only a run in phase write-incomplete can be resumed.");
        var resume = new RecordedDecision(runId, parked.ResumeId, parked.StepId, AgentWorkflowOrchestrator.ResumeGate, caller.Id, caller.Name, caller.Upn,
            true, channel, caller.ClientId, $"role:{AppRoles.Administrator}", null, time.GetUtcNow());
        var (recorded, existing) = await decisions.TryRecordAsync(resume, cancellationToken);

        // A resume already recorded is raised again only while the run still waits at this park and the first raise is
        // old enough to have been lost (a run that heard it is busy resuming): repeating the request cannot grow the
        // run's history by more than an event per interval.
        if (recorded || time.GetUtcNow() - existing.At >= ResumeRaiseAgainAfter)
        {
            await client.RaiseEventAsync(runId, AgentWorkflowOrchestrator.ResumeEvent, new { resumeId = parked.ResumeId }, cancellationToken);
        }

        return new ResumeReceipt(runId, parked.StepId, parked.Attempt, parked.ResumeId,
            new PrincipalRef(existing.PrincipalId, existing.PrincipalName, existing.PrincipalUpn), existing.At, parked.Calls, !recorded);
    }

    /// <summary>How old a recorded resume must be before a repeated request raises it again (the first raise may have been lost).</summary>
    public static readonly TimeSpan ResumeRaiseAgainAfter = TimeSpan.FromSeconds(30);

    /// <summary>Gates listed per page when the caller does not say.</summary>
    public const int DefaultPageSize = 50;

    /// <summary>Most gates a page lists: each is checked against its run's status, one read each.</summary>
    public const int MaxPageSize = 200;

    private const int StatusReadsInParallel = 16;
    private const string PageTokenPrefix = "g1.";

    /// <summary>
    /// A page of the gates waiting now that the caller can answer, earliest deadline first: runs at a gate whose
    /// approvers include them, which they did not start (when the gate separates duties) and have not answered yet.
    /// The gates are found in the waiting-gates index (the caller's own partition and their groups'), then each is
    /// checked against its run's status and judged as a decision would be (at most a page of status reads); a row whose
    /// run no longer waits there is removed. <paramref name="next"/> is the previous page's <see cref="PendingPage.Next"/>.
    /// </summary>
    public async Task<PendingPage> PendingForAsync(Caller caller, string? next, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (pageSize is < 1 or > MaxPageSize)
        {
            throw new RunRequestException(400, "Bad page size.", $"'pageSize' must be a whole number from 1 to {MaxPageSize}.");
        }

        var after = next is null ? null : ReadPageToken(next);
        if (caller == Caller.SystemKey)
        {
            return new PendingPage([], null); // the system key is no person: it approves nothing
        }

        var page = await gates.ListAsync(await PartitionsForAsync(caller, cancellationToken), after, pageSize, cancellationToken);
        var openings = page.Rows.GroupBy(r => r.Key, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        var found = new PendingApproval?[openings.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, openings.Count),
            new ParallelOptions { MaxDegreeOfParallelism = StatusReadsInParallel, CancellationToken = cancellationToken },
            async (i, ct) => found[i] = await JudgeListedAsync(openings[i], caller, ct));
        return new PendingPage([.. found.OfType<PendingApproval>()], page.After is { } last ? PageToken(last) : null);
    }

    /// <summary>The listed gate opening as the caller may answer it, or null; a row the run contradicts is removed.</summary>
    private async Task<PendingApproval?> JudgeListedAsync(IReadOnlyList<WaitingGateRow> rows, Caller caller, CancellationToken cancellationToken)
    {
        var row = rows[0];
        var status = await ReadAsync(row.RunId, cancellationToken);
        if (status is not { WaitingFor: { } wait } || status.Status != nameof(OrchestrationRuntimeStatus.Running))
        {
            if (status is null || status.Status is not (nameof(OrchestrationRuntimeStatus.Running) or nameof(OrchestrationRuntimeStatus.Pending)
                or nameof(OrchestrationRuntimeStatus.Suspended)))
            {
                await gates.CloseAsync(row.RunId, cancellationToken); // the run ended (or is gone): none of its rows stays
            }
            else if (status.WaitingFor is null)
            {
                await DropAsync(rows, cancellationToken); // its gate closed; the outcome notice removes the rest
            }

            return null;
        }

        if (wait.Gate != row.Gate || wait.StepId != row.StepId)
        {
            await DropAsync(rows, cancellationToken); // it waits elsewhere now (escalated, or a later gate)
            return null;
        }

        var answered = status.Approvals.Any(a => a.Gate == wait.Gate && a.Approver?.Id == caller.Id && a.Counted == "counted");
        if (answered || (wait.SeparationOfDuties && status.Initiator.Id == caller.Id))
        {
            return null;
        }

        try
        {
            return await MatchGateAsync(status, wait.Gate, caller, cancellationToken) is { } matchedAs
                ? new PendingApproval(status.RunId, status.Workflow, wait.StepId, wait.Gate, wait.ChangeSummary, wait.ChangeDigest,
                    wait.ExpiresAt, wait.ApprovalsSoFar, wait.Quorum, status.Initiator, matchedAs)
                : null;
        }
        catch (RunRequestException)
        {
            return null; // a run whose definition or directory cannot be judged is left out of the list, not guessed at
        }
    }

    private async Task DropAsync(IReadOnlyList<WaitingGateRow> rows, CancellationToken cancellationToken)
    {
        foreach (var row in rows)
        {
            await gates.DropAsync(row, cancellationToken);
        }
    }

    /// <summary>
    /// The index partitions that may hold gates for the caller: their object id, their sign-in name (rows written while
    /// the directory could not say an approver's id), and each group some gate names that they are in — by the token's
    /// groups claim, or the directory when the token does not list them (a group it cannot judge is left out).
    /// </summary>
    private async Task<IReadOnlyList<string>> PartitionsForAsync(Caller caller, CancellationToken cancellationToken)
    {
        var partitions = new List<string> { WaitingGateStore.PersonPartition(caller.ObjectId) };
        if (caller.Upn is { Length: > 0 } upn)
        {
            partitions.Add(WaitingGateStore.NamePartition(upn));
        }

        foreach (var group in await gates.GroupsAsync(cancellationToken))
        {
            bool member;
            try
            {
                member = caller.Groups is { } claimed ? claimed.Contains(group) : await directory.IsMemberAsync(group, caller.ObjectId, cancellationToken);
            }
            catch (DirectoryUnavailableException)
            {
                member = false;
            }

            if (member)
            {
                partitions.Add(WaitingGateStore.GroupPartition(group));
            }
        }

        return partitions;
    }

    private static string PageToken(string rowKey) => PageTokens.Encode(PageTokenPrefix, rowKey);

    private static string ReadPageToken(string token)
    {
        var key = PageTokens.Decode(PageTokenPrefix, token);
        return key is not null && WaitingGateStore.IsRowKey(key)
            ? key
            : throw new RunRequestException(400, "Bad page token.", "'next' is not a page token of this list: pass the 'next' value of the previous page as it was given, or leave it out for the first page.");
    }

    /// <summary>
    /// The run's status for the holder of a valid approval link (its signature already checked): the page shows the
    /// run read-only to whoever has the link; deciding still needs the approver to sign in.
    /// </summary>
    public Task<RunStatus?> GetForLinkAsync(string runId, CancellationToken cancellationToken) => ReadAsync(runId, cancellationToken);

    /// <summary>The gate approver entry the caller is for this run's waiting gate, or null (the page shows why it offers no form).</summary>
    public async Task<string?> MatchApproverAsync(RunStatus status, string gate, Caller caller, CancellationToken cancellationToken) =>
        await MatchGateAsync(status, gate, caller, cancellationToken);

    /// <summary>
    /// The run for its run page, for a signed-in person who may follow it: its initiator, an approver of a gate it reached
    /// (the gate it waits at, or one that was decided or notified; asked only of someone neither of the others), or a
    /// holder of the Reader, Investigator or Administrator role. Null both when the run is unknown and when the caller is none of these, so the page answers
    /// the two alike. A directory outage refuses (503); a run whose definition is not deployed here matches no approver.
    /// </summary>
    public async Task<RunPageAccess?> GetForRunPageAsync(string runId, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (await ReadAsync(runId, cancellationToken) is not { } status)
        {
            return null;
        }

        var investigator = caller.IsInRole(AppRoles.Investigator) || caller.IsInRole(AppRoles.Administrator);
        var reader = investigator || caller.IsInRole(AppRoles.Reader);
        var initiator = caller.Id == status.Initiator.Id;
        (string, string)? approverOf = null;
        // Only asked when nothing else lets them see it: a reader's page does not wait on the directory.
        IEnumerable<string> gates = initiator || reader ? [] : new[] { status.WaitingFor?.Gate }.Concat(status.Approvals.Select(a => a.Gate)).Concat(status.Notices.Select(n => n.Gate))
            .OfType<string>().Distinct(StringComparer.Ordinal);
        foreach (var gate in gates)
        {
            try
            {
                if (await MatchGateAsync(status, gate, caller, cancellationToken) is { } matched)
                {
                    approverOf = (gate, matched);
                    break;
                }
            }
            catch (RunRequestException ex) when (ex.Status == 409)
            {
                // The definition or gate is not deployed here: nobody is its approver.
            }
        }

        if (!initiator && !reader && approverOf is null)
        {
            return null;
        }

        WorkflowSnapshot? snapshot;
        try
        {
            snapshot = await definitions.LoadAsync(status.Workflow, status.DefinitionSha256, cancellationToken);
        }
        catch (DefinitionRefusedException)
        {
            snapshot = null;
        }

        return new RunPageAccess(status, snapshot, initiator, approverOf, reader, investigator);
    }

    private async Task<RunStatus?> ReadAsync(string runId, CancellationToken cancellationToken) => (await ReadTracedAsync(runId, cancellationToken)).Status;

    /// <summary>
    /// A recorded decision in the run's trace: the gate's wait (from the gate opening to this decision) as a span under
    /// the run's own span, and the decision as a span of this request linked to the run; the wait as a metric.
    /// </summary>
    private static void TraceDecision(RunStatus status, ApprovalWait wait, string? traceParent, string outcome, string channel, DateTimeOffset decidedAt)
    {
        var opened = new DateTimeOffset(DateTime.SpecifyKind(wait.ExpiresAt, DateTimeKind.Utc))
            - (IsoDuration.TryParse(wait.Timeout, out var timeout) ? timeout : TimeSpan.FromDays(1));
        KeyValuePair<string, object?>[] tags =
        [
            new(TelemetryTags.RunId, status.RunId), new(TelemetryTags.Workflow, status.Workflow), new(TelemetryTags.DefinitionSha256, status.DefinitionSha256),
            new(TelemetryTags.StepId, wait.StepId), new(TelemetryTags.Gate, wait.Gate), new(TelemetryTags.Decision, outcome),
        ];
        var run = RuntimeTelemetry.RunContext(traceParent);
        using (var decision = RuntimeTelemetry.Source.StartActivity(RuntimeTelemetry.DecisionSpan, System.Diagnostics.ActivityKind.Internal, parentContext: default,
            tags: tags, links: run == default ? null : [new System.Diagnostics.ActivityLink(run)]))
        {
            decision?.SetTag(TelemetryTags.Channel, channel);
        }

        using (var span = RuntimeTelemetry.Source.StartActivity(RuntimeTelemetry.WaitSpan, System.Diagnostics.ActivityKind.Internal, run, tags, startTime: opened))
        {
            span?.SetEndTime(decidedAt.UtcDateTime);
        }

        RuntimeTelemetry.ApprovalWait.Record(Math.Max(0, (decidedAt - opened).TotalSeconds),
            new(TelemetryTags.Workflow, status.Workflow), new(TelemetryTags.Gate, wait.Gate), new(TelemetryTags.Decision, outcome));
    }

    /// <summary>
    /// The run's status, never contradicting the orchestration's own state: while it runs, from its custom status (the
    /// orchestrator's progress); once it has ended, from the runtime status and its result (<see cref="RunResult"/>),
    /// which the engine saves with the end itself, so a run that completed just before its host died still reads
    /// completed, with its steps and outcome, even if its last progress was never saved.
    /// </summary>
    private async Task<(RunStatus? Status, string? TraceParent)> ReadTracedAsync(string runId, CancellationToken cancellationToken)
    {
        // Status is polled often (the CLI every 250 ms): read without payloads while it runs.
        var metadata = await client.GetInstanceAsync(runId, getInputsAndOutputs: false, cancellationToken);
        if (metadata is null || metadata.Name != AgentWorkflowOrchestrator.Name)
        {
            return (null, null);
        }

        if (metadata.IsCompleted)
        {
            await ReconcileAsync(runId, metadata.RuntimeStatus, cancellationToken);
        }

        var progress = metadata.ReadCustomStatusAs<RunProgress>();
        RunResult? result = null;
        if (metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed)
        {
            // Once, for a finished run: its result is the truth about how it ended.
            var ended = await client.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken);
            result = ended?.ReadOutputAs<RunResult>();
        }

        var (phase, outcome) = metadata.RuntimeStatus switch
        {
            OrchestrationRuntimeStatus.Completed => (result?.Outcome ?? progress?.Phase ?? "completed", result?.Outcome ?? progress?.Phase ?? "completed"),
            OrchestrationRuntimeStatus.Failed => (progress?.Phase is "failed" or "refused" ? progress.Phase : "failed", "failed"),
            OrchestrationRuntimeStatus.Terminated => ("terminated", "terminated"),
            _ => (progress?.Phase ?? "pending", (string?)null),
        };
        var failure = metadata.RuntimeStatus == OrchestrationRuntimeStatus.Failed
            ? progress?.Failure ?? new RunFailure(progress?.CurrentStep ?? "unknown", "unknown", metadata.FailureDetails?.ErrorMessage ?? "unknown failure")
            : metadata.IsCompleted ? null : progress?.Failure;
        string Tag(string name) => metadata.Tags.TryGetValue(name, out var value) ? value : string.Empty;
        var initiator = new PrincipalRef(Tag("initiatorId"), Tag("initiator"), Tag("initiatorUpn") is { Length: > 0 } upn ? upn : null);
        return (new RunStatus(runId, Tag("workflow"), Tag("definitionSha256"), metadata.RuntimeStatus.ToString(),
            phase, metadata.IsCompleted ? null : progress?.CurrentStep, initiator, outcome,
            metadata.IsCompleted ? null : progress?.WaitingFor, result?.Steps ?? progress?.Steps ?? [], result?.Approvals ?? progress?.Approvals ?? [],
            progress?.IgnoredEvents ?? 0, failure, metadata.CreatedAt, metadata.LastUpdatedAt, progress?.Notices ?? [],
            Tag(GovernanceTag).Split(',', StringSplitOptions.RemoveEmptyEntries), metadata.IsCompleted ? null : progress?.Incomplete),
            Tag(RuntimeTelemetry.TraceParentTag));
    }

    /// <summary>
    /// Reconciled on read: an ended run's evidence gets the administrators' actions it does not hold yet, and a terminated
    /// run's chain its run-end (a host that died between the engine's terminate and the evidence left it open). The
    /// status answers even if the ledger cannot be written now; the next read tries again.
    /// </summary>
    private async Task ReconcileAsync(string runId, OrchestrationRuntimeStatus status, CancellationToken cancellationToken)
    {
        try
        {
            // A terminated run's reason is its output: read once more, with payloads, only for one.
            var terminated = status == OrchestrationRuntimeStatus.Terminated;
            var reason = terminated && await client.GetInstanceAsync(runId, getInputsAndOutputs: true, cancellationToken) is { } ended
                ? RunAdministration.TerminateReason(ended)
                : null;
            await administrative.ReconcileEndedAsync(runId, terminated, reason, cancellationToken);
            if (terminated)
            {
                // Terminated by any route (the engine's own included): it never reached its own end, which deletes its sessions.
                await delegation.EndAsync(runId, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or InvalidOperationException)
        {
            // Left for the next read: the actions stay in their table until the chain takes them.
        }
    }

    /// <summary>The approver entry of the run's gate the caller is, judged against the definition the run executes.</summary>
    private async Task<string?> MatchGateAsync(RunStatus status, string gateId, Caller caller, CancellationToken cancellationToken)
    {
        WorkflowSnapshot snapshot;
        try
        {
            snapshot = await definitions.LoadAsync(status.Workflow, status.DefinitionSha256, cancellationToken);
        }
        catch (DefinitionRefusedException ex)
        {
            throw new RunRequestException(409, "The run's definition is not deployed here.", ex.Message);
        }

        var gate = snapshot.Definition.FindGate(gateId)
            ?? throw new RunRequestException(409, "Unknown gate.", $"The run's definition has no gate '{gateId}'.");
        return await Check(() => matcher.MatchApproverAsync(gate.Approvers, snapshot.Groups, caller, cancellationToken));
    }

    /// <summary>A directory outage refuses (503, with the reason): it never lets a check pass.</summary>
    private static async Task<string?> Check(Func<Task<string?>> match)
    {
        try
        {
            return await match();
        }
        catch (DirectoryUnavailableException ex)
        {
            throw new RunRequestException(503, "The directory cannot be asked.", $"Cannot check who you are in the directory: {ex.Message}.");
        }
    }

    /// <summary>Where a run is, in the words people read (not the engine's status names).</summary>
    private static string InWords(RunStatus status) => status.Outcome is { } outcome
        ? $"finished ({outcome})"
        : $"still running (phase {status.Phase})";

    private static string Short(string? digest) => digest is { Length: > 12 } ? digest[..12] + "…" : digest ?? "(none)";

    /// <summary>
    /// A signed-in person's refused decision goes into the run's evidence (once per person and gate) before the 403: the
    /// run records it as a refusal. Anonymous callers (401) are not attributable and cannot write to a run's evidence.
    /// </summary>
    private async Task<RunRequestException> RefuseAsync(RunStatus status, ApprovalWait wait, Caller caller, string channel, UsedLink? link, string reason, CancellationToken cancellationToken)
    {
        var attempt = new RecordedDecision(status.RunId, DecisionStore.RefusalIdFor(wait.Gate, caller.Id), wait.StepId, wait.Gate, caller.Id, caller.Name, caller.Upn,
            false, channel, caller.ClientId, "refused", null, time.GetUtcNow(), link?.LinkId, wait.ChangeDigest, reason);
        var (recorded, _) = await decisions.TryRecordAsync(attempt, cancellationToken);
        if (recorded)
        {
            await client.RaiseEventAsync(status.RunId, AgentWorkflowOrchestrator.ApprovalEvent, new ApprovalSignal(attempt.DecisionId), cancellationToken);
        }

        return Forbidden(reason);
    }

    private static RunRequestException Forbidden(string detail) => new(403, "Not allowed.", detail);

    private static string Describe(Starter starter) => $"{starter.Kind.ToString().ToLowerInvariant()} {starter.Name}";

    private static string Bounded(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
