using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Yaml;

namespace DurableAgentOps.Core.Loading;

/// <summary>Binds workflows/&lt;name&gt;.yaml. Structure only: cross-references are the validator's job.</summary>
internal static class WorkflowBinder
{
    private static readonly Dictionary<string, StepKind> Kinds = new(StringComparer.Ordinal)
    {
        ["read"] = StepKind.Read,
        ["draft"] = StepKind.Draft,
        ["route"] = StepKind.Route,
        ["write"] = StepKind.Write,
    };

    private static readonly Dictionary<string, Isolation> Isolations = new(StringComparer.Ordinal)
    {
        ["shared-app"] = Isolation.SharedApp,
        ["separate-writer"] = Isolation.SeparateWriter,
    };

    private static readonly Dictionary<string, TimeoutAction> TimeoutActions = new(StringComparer.Ordinal)
    {
        ["reject"] = TimeoutAction.Reject,
        ["escalate"] = TimeoutAction.Escalate,
        ["cancel"] = TimeoutAction.Cancel,
    };

    internal static readonly IReadOnlySet<string> InputTypes = new HashSet<string>(StringComparer.Ordinal) { "string", "integer", "number", "boolean" };

    internal static readonly IReadOnlySet<string> Channels = new HashSet<string>(StringComparer.Ordinal) { "teams", "email" };

    public static WorkflowDefinition? Bind(YNode? root, Binder binder)
    {
        if (root is null)
        {
            binder.Error(SourcePosition.Start, FindingCodes.MissingField, "workflow file is empty");
            return null;
        }

        binder.Index(root, string.Empty);
        if (binder.Mapping(root, string.Empty, "workflow") is not { } top)
        {
            return null;
        }

        var name = top.Text("name", required: true) ?? string.Empty;
        var version = top.Int("version", 1, int.MaxValue, required: true) ?? 0;
        var owner = top.Text("owner", required: true) ?? string.Empty;
        var description = top.Text("description", required: true) ?? string.Empty;
        var isolation = top.Choice("isolation", Isolations) ?? Isolation.SharedApp;
        var input = BindInput(top.Take("input"), top.PathOf("input"), binder);
        var starters = BindStarters(top.Take("starters"), top.PathOf("starters"), binder);
        var steps = new List<StepDefinition>();
        if (top.Take("steps", required: true) is { } stepsNode)
        {
            if (stepsNode is YSequence { Items.Count: 0 })
            {
                binder.Error(stepsNode.Position, FindingCodes.MissingField, "workflow: 'steps' is required and must not be empty");
            }

            var items = binder.Items(stepsNode, "steps");
            for (var i = 0; i < items.Count; i++)
            {
                if (BindStep(items[i], $"/steps/{i}", binder) is { } step)
                {
                    steps.Add(step);
                }
            }
        }

        var gates = new List<GateDefinition>();
        if (binder.Mapping(top.Take("gates"), top.PathOf("gates"), "gates") is { } gateMap)
        {
            foreach (var (key, value) in gateMap.Entries)
            {
                binder.CheckName(key.Value, $"gate id '{key.Value}'", key.Position);
                if (BindGate(key.Value, value, gateMap.PathOf(key.Value), binder) is { } gate)
                {
                    gates.Add(gate);
                }
            }
        }

        var evidence = BindEvidence(top.Take("evidence", required: true), top.PathOf("evidence"), binder);
        top.Done();
        if (name.Length > 0)
        {
            binder.CheckName(name, $"workflow name '{name}'", binder.Map.Find("/name"));
        }

        return new WorkflowDefinition(name, version, owner, description, isolation, input, steps, gates, evidence) { Starters = starters };
    }

    /// <summary>starters: a list of person: &lt;upn&gt; | group: &lt;catalogue group&gt; | role: &lt;app role&gt;.</summary>
    private static List<Starter> BindStarters(YNode? node, string path, Binder binder)
    {
        var starters = new List<Starter>();
        if (node is null)
        {
            return starters;
        }

        var items = binder.Items(node, "starters");
        for (var i = 0; i < items.Count; i++)
        {
            if (binder.Mapping(items[i], $"{path}/{i}", "starter") is not { } reader)
            {
                continue;
            }

            var given = new[] { ("person", StarterKind.Person), ("group", StarterKind.Group), ("role", StarterKind.Role) }
                .Select(k => (Value: reader.Text(k.Item1), Key: k.Item1, Kind: k.Item2)).Where(k => k.Value is not null).ToList();
            reader.Done();
            if (given.Count != 1)
            {
                binder.Error(reader.Position, FindingCodes.InvalidValue, "starters: each starter is one of 'person: <user principal name>', 'group: <catalogue group>' or 'role: <app role>'");
                continue;
            }

            var (value, key, kind) = given[0];
            var at = binder.Map.Find(reader.PathOf(key));
            if (value!.Length == 0)
            {
                binder.Error(at, FindingCodes.MissingField, $"starters: '{key}' must not be empty");
                continue;
            }

            // A starter is matched against a signed-in principal's claims: a value that cannot be one would match nobody.
            switch (kind)
            {
                case StarterKind.Group:
                    binder.CheckName(value, $"starters: group '{value}'", at);
                    break;
                case StarterKind.Person when !IsUserPrincipalName(value):
                    binder.Error(at, FindingCodes.InvalidValue, $"starters: person '{value}' must be a user principal name (name@domain)");
                    break;
                case StarterKind.Role when value.Any(char.IsWhiteSpace):
                    binder.Error(at, FindingCodes.InvalidValue, $"starters: role '{value}' must be an app role value, without spaces");
                    break;
            }

            starters.Add(new Starter(kind, value));
        }

        return starters;
    }

    private static bool IsUserPrincipalName(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at == text.LastIndexOf('@') && at < text.Length - 1 && !text.Any(char.IsWhiteSpace);
    }

    private static List<InputField> BindInput(YNode? node, string path, Binder binder)
    {
        var fields = new List<InputField>();
        if (binder.Mapping(node, path, "input") is not { } map)
        {
            return fields;
        }

        foreach (var (key, value) in map.Entries)
        {
            var what = $"input '{key.Value}'";
            if (binder.Mapping(value, map.PathOf(key.Value), what) is not { } field)
            {
                continue;
            }

            var type = field.Text("type", required: true) ?? "string";
            if (!InputTypes.Contains(type))
            {
                binder.Error(binder.Map.Find(field.PathOf("type")), FindingCodes.InvalidValue, $"{what}: type must be one of {string.Join(", ", InputTypes)}; found '{type}'");
            }

            var maxLength = field.Int("maxLength", 1, InputField.MaxMaxLength);
            if (maxLength is not null && type != "string")
            {
                binder.Error(binder.Map.Find(field.PathOf("maxLength")), FindingCodes.InvalidValue, $"{what}: maxLength applies to string inputs only");
            }

            // Bound every string input, declared or not: the default is written down so the snapshot says what ran.
            var limit = type == "string" ? maxLength ?? InputField.DefaultMaxLength : (int?)null;
            fields.Add(new InputField(key.Value, type, field.Bool("required") ?? false, field.Text("pattern"), field.Text("description"), limit));
            field.Done();
        }

        return fields;
    }

    private static StepDefinition? BindStep(YNode node, string path, Binder binder)
    {
        if (binder.Mapping(node, path, "step") is not { } step)
        {
            return null;
        }

        var id = step.Text("id", required: true) ?? string.Empty;
        var what = id.Length > 0 ? $"step '{id}'" : "step";
        if (id.Length > 0)
        {
            binder.CheckName(id, $"{what}: id", binder.Map.Find(step.PathOf("id")));
        }

        var kind = step.Choice("kind", Kinds, required: true) ?? StepKind.Read;
        var identity = step.Text("identity", required: true) ?? string.Empty;
        var needsSystem = kind is StepKind.Read or StepKind.Write;
        var system = step.Text("system", required: needsSystem);
        var operation = step.Text("operation", required: system is not null || needsSystem);
        var scope = BindScope(step.Take("scope", required: system is not null || needsSystem), step.PathOf("scope"), binder, what);
        var from = step.TextList("from");
        RetryPolicy? retry = null;
        if (binder.Mapping(step.Take("retry"), step.PathOf("retry"), $"{what} retry") is { } retryReader)
        {
            retry = new RetryPolicy(retryReader.Int("maxAttempts", 1, 10, required: true) ?? 1, retryReader.Text("backoff"));
            retryReader.Done();
        }

        var routes = new List<RouteDefinition>();
        if (step.Take("routes", required: kind == StepKind.Route) is { } routesNode)
        {
            var items = binder.Items(routesNode, $"{what} routes");
            for (var i = 0; i < items.Count; i++)
            {
                if (binder.Mapping(items[i], $"{step.PathOf("routes")}/{i}", $"{what} route") is { } route)
                {
                    routes.Add(new RouteDefinition(route.Text("to", required: true) ?? string.Empty, route.Text("when"), route.Text("gate")));
                    route.Done();
                }
            }
        }

        var approval = BindApproval(step.Take("approval"), step.PathOf("approval"), binder, what, step.Text("justification"));
        var description = step.Text("description");
        var template = step.Take("template") is { } templateNode ? BindTemplate(templateNode, step.PathOf("template"), binder, what) : null;
        var actsFor = step.Choice("actsFor", CatalogueBinder.Delegations) ?? Delegation.None;
        step.Done();
        return new StepDefinition(id, kind, identity, system, operation, scope, from, retry, routes, approval, description, template, actsFor);
    }

    /// <summary>template: nested mappings whose leaves are text; flattened to output path → text.</summary>
    private static Dictionary<string, string> BindTemplate(YNode node, string path, Binder binder, string what)
    {
        var template = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(YNode current, string at, string prefix)
        {
            if (binder.Mapping(current, at, $"{what} template{(prefix.Length > 0 ? $" '{prefix}'" : string.Empty)}") is not { } map)
            {
                return;
            }

            foreach (var (key, value) in map.Entries)
            {
                var name = prefix.Length > 0 ? $"{prefix}.{key.Value}" : key.Value;
                binder.CheckName(key.Value, $"{what}: template key '{name}'", key.Position);
                if (value is YMapping)
                {
                    Walk(value, map.PathOf(key.Value), name);
                }
                else if (binder.Text(value, $"{what}: template '{name}'") is { } text)
                {
                    template[name] = text;
                }
            }
        }

        Walk(node, path, string.Empty);
        return template;
    }

    private static StepScope BindScope(YNode? node, string path, Binder binder, string what)
    {
        if (binder.Mapping(node, path, $"{what} scope") is not { } scope)
        {
            return StepScope.Empty;
        }

        var result = new StepScope(
            scope.TextList("operations", required: true),
            binder.Records(scope.Take("records"), scope.PathOf("records"), $"{what} scope records"),
            scope.TextList("fields"));
        scope.Done();
        return result;
    }

    /// <summary>approval: none | &lt;gate&gt; | { gate, when } | { route }.</summary>
    private static ApprovalPolicy BindApproval(YNode? node, string path, Binder binder, string what, string? justification)
    {
        switch (node)
        {
            case null:
                return ApprovalPolicy.Unspecified with { Justification = justification };
            case YScalar { Value: "none" }:
                return new ApprovalPolicy(ApprovalMode.None, null, null, null, justification);
            case YScalar scalar:
                return new ApprovalPolicy(ApprovalMode.Gate, scalar.Value, null, null, justification);
        }

        if (binder.Mapping(node, path, $"{what} approval") is not { } approval)
        {
            return ApprovalPolicy.Unspecified with { Justification = justification };
        }

        var gate = approval.Text("gate");
        var when = approval.Text("when");
        var route = approval.Text("route");
        approval.Done();
        if ((gate is null) == (route is null))
        {
            binder.Error(approval.Position, FindingCodes.InvalidValue, $"{what} approval: give exactly one of 'gate' (a gate id) or 'route' (a route step whose routes name gates)");
        }

        return route is not null
            ? new ApprovalPolicy(ApprovalMode.Routed, null, when, route, justification)
            : new ApprovalPolicy(ApprovalMode.Gate, gate, when, null, justification);
    }

    private static GateDefinition? BindGate(string id, YNode node, string path, Binder binder)
    {
        var what = $"gate '{id}'";
        if (binder.Mapping(node, path, what) is not { } gate)
        {
            return null;
        }

        var approvers = new List<Approver>();
        if (gate.Take("approvers", required: true) is { } approversNode)
        {
            var items = binder.Items(approversNode, $"{what} approvers");
            for (var i = 0; i < items.Count; i++)
            {
                if (binder.Mapping(items[i], $"{gate.PathOf("approvers")}/{i}", $"{what} approver") is not { } approver)
                {
                    continue;
                }

                var person = approver.Text("person");
                var group = approver.Text("group");
                approver.Done();
                if ((person is null) == (group is null))
                {
                    binder.Error(approver.Position, FindingCodes.InvalidValue, $"{what}: each approver is either 'person: <email>' or 'group: <name>'");
                    continue;
                }

                if (group is not null)
                {
                    binder.CheckName(group, $"{what}: group '{group}'", binder.Map.Find(approver.PathOf("group")));
                }

                approvers.Add(person is not null ? new Approver(ApproverKind.Person, person) : new Approver(ApproverKind.Group, group!));
            }
        }

        var channels = gate.TextList("channels", required: true);
        foreach (var channel in channels.Where(c => !Channels.Contains(c)))
        {
            binder.Error(binder.Map.Find(gate.PathOf("channels")), FindingCodes.InvalidValue, $"{what}: unknown channel '{channel}' (expected teams or email)");
        }

        var timeout = gate.Text("timeout", required: true) ?? string.Empty;
        var reminders = gate.TextList("reminders");
        Escalation? escalation = null;
        if (binder.Mapping(gate.Take("escalation"), gate.PathOf("escalation"), $"{what} escalation") is { } esc)
        {
            escalation = new Escalation(esc.Text("after", required: true) ?? string.Empty, esc.Text("to", required: true) ?? string.Empty);
            esc.Done();
        }

        var quorum = gate.Int("quorum", 1, 100) ?? 1;
        var separation = gate.Bool("separationOfDuties") ?? true;
        var onTimeout = gate.Choice("onTimeout", TimeoutActions) ?? TimeoutAction.Reject;
        gate.Done();
        return new GateDefinition(id, approvers, channels, timeout, reminders, escalation, quorum, separation, onTimeout);
    }

    private static EvidencePolicy BindEvidence(YNode? node, string path, Binder binder)
    {
        if (binder.Mapping(node, path, "evidence") is not { } evidence)
        {
            return new EvidencePolicy(string.Empty, EvidencePolicy.AllKinds, []);
        }

        var retention = evidence.Text("retention", required: true) ?? string.Empty;
        var keep = evidence.TextList("keep");
        foreach (var kind in keep.Where(k => !EvidencePolicy.AllKinds.Contains(k)))
        {
            binder.Error(binder.Map.Find(evidence.PathOf("keep")), FindingCodes.InvalidValue, $"evidence: unknown record kind '{kind}' (expected {string.Join(", ", EvidencePolicy.AllKinds)})");
        }

        var redact = evidence.TextList("redact");
        var keepInClear = evidence.TextList("keepInClear");
        evidence.Done();
        return new EvidencePolicy(retention, keep.Count > 0 ? keep : EvidencePolicy.AllKinds, redact, keepInClear.Count > 0 ? keepInClear : null);
    }
}
