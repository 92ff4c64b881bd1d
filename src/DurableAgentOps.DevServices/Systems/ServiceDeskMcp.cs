using System.ComponentModel;
using System.Text.Json;
using DurableAgentOps.DevServices.Shared;
using DurableAgentOps.DevServices.Storage;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace DurableAgentOps.DevServices.Systems;

/// <summary>
/// The sample service desk as an MCP server (ModelContextProtocol.AspNetCore, streamable HTTP, stateless) at
/// <c>/servicedesk/mcp</c>, over the support desk's tickets. Every request needs a workload token for
/// api://durableagentops/servicedesk (401 otherwise); each tool needs its role, keeps to the token's record scope
/// (xms_records) and, for a write, its writable fields (xms_fields). A write is applied once per idempotency key.
/// Every tool call is in the request log (GET /_dev/requests?system=servicedesk).
/// </summary>
internal static class ServiceDeskMcp
{
    public const string System = "servicedesk";
    public const string Path = "/servicedesk/mcp";

    private const string CallerKey = "servicedesk.caller";

    public static IServiceCollection AddServiceDeskMcp(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddMcpServer(o => o.ServerInfo = new() { Name = System, Title = "Contoso Service Desk (sample)", Version = "1.0" })
            .WithHttpTransport(o => o.Stateless = true)
            .WithTools<ServiceDeskTools>();
        return services;
    }

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMcp(Path).AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var validator = http.RequestServices.GetRequiredService<TokenValidator>();
            var options = http.RequestServices.GetRequiredService<IOptions<DevServicesOptions>>().Value;
            var (caller, reason) = await validator.ValidateAsync(http.Request.Headers.Authorization.ToString(), options.AudienceFor(System));
            if (caller is null)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                Log(http, "(request)", null, StatusCodes.Status401Unauthorized, reason);
                return Results.Problem(reason, statusCode: StatusCodes.Status401Unauthorized, title: "invalid_token");
            }

            http.Items[CallerKey] = caller;
            return await next(context);
        });
    }

    /// <summary>The caller of this tool call; throws (a tool error) unless it holds <paramref name="role"/>.</summary>
    internal static CallerToken Authorize(HttpContext http, string tool, string role)
    {
        var caller = (CallerToken)http.Items[CallerKey]!;
        if (!caller.Roles.Contains(role))
        {
            Log(http, tool, caller, StatusCodes.Status403Forbidden, $"role {role} required");
            throw new McpException($"{tool}: role {role} required");
        }

        return caller;
    }

    /// <summary>Refuses a ticket outside the token's record scope (as the HTTP systems do).</summary>
    internal static void CheckRecord(HttpContext http, string tool, CallerToken caller, Ticket ticket)
    {
        if (caller.Records is { } records && records.TryGetValue(SupportApi.RecordAttribute, out var allowed) && !allowed.Contains(ticket.Region, StringComparer.Ordinal))
        {
            var reason = $"ticket {ticket.Id} has region '{ticket.Region}', outside the token's region scope [{string.Join(", ", allowed)}]";
            Log(http, tool, caller, StatusCodes.Status403Forbidden, reason);
            throw new McpException($"{tool}: {reason}");
        }
    }

    internal static void Log(HttpContext http, string tool, CallerToken? caller, int status, string? reason) =>
        http.RequestServices.GetRequiredService<RequestLog>().Add(new RequestLogEntry(
            http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), System, "MCP", tool, $"{System}.{tool}",
            caller?.Subject, caller?.IdentityName, status, reason, caller?.Delegated?.ActorClientId));
}

/// <summary>The service desk's tools.</summary>
[McpServerToolType]
internal sealed class ServiceDeskTools(IHttpContextAccessor accessor, SampleTables tables, TimeProvider time)
{
    [McpServerTool(Name = "get_ticket", ReadOnly = true)]
    [Description("Read one service desk ticket: subject, description, priority, category, region, status.")]
    public async Task<string> GetTicketAsync([Description("The ticket's id, e.g. TCK-0000001.")] string ticketId, CancellationToken cancellationToken)
    {
        var http = accessor.HttpContext!;
        var caller = ServiceDeskMcp.Authorize(http, "get_ticket", "tickets.read");
        var ticket = await FindAsync(http, "get_ticket", caller, ticketId, cancellationToken);
        ServiceDeskMcp.Log(http, "get_ticket", caller, StatusCodes.Status200OK, null);
        return JsonSerializer.Serialize(new { ticket.Id, ticket.Subject, ticket.Description, ticket.Priority, ticket.Category, ticket.Region, ticket.Status, ticket.Queue }, DevJson.Options);
    }

    [McpServerTool(Name = "escalate_ticket")]
    [Description("Escalate a service desk ticket to a queue, with a note for the queue.")]
    public async Task<string> EscalateTicketAsync(
        [Description("The ticket's id.")] string ticketId,
        [Description("The queue that takes the ticket.")] string queue,
        [Description("A note for the queue.")] string note,
        CancellationToken cancellationToken)
    {
        var http = accessor.HttpContext!;
        var caller = ServiceDeskMcp.Authorize(http, "escalate_ticket", "tickets.escalate");
        if (new[] { "queue", "note" }.FirstOrDefault(f => !caller.Fields.Contains(f)) is { } denied)
        {
            ServiceDeskMcp.Log(http, "escalate_ticket", caller, StatusCodes.Status403Forbidden, $"field {denied} is not writable");
            throw new McpException($"escalate_ticket: field {denied} is not writable by this token");
        }

        var key = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        if (string.IsNullOrEmpty(key) || key.Length > 200)
        {
            throw new McpException("escalate_ticket: an Idempotency-Key header is required");
        }

        var ticket = await FindAsync(http, "escalate_ticket", caller, ticketId, cancellationToken);
        var row = "escalation-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
        if (await SampleTables.GetAsync<Escalation>(tables.SupportTickets, ticketId, row, cancellationToken) is { } earlier)
        {
            ServiceDeskMcp.Log(http, "escalate_ticket", caller, StatusCodes.Status200OK, "replayed: same idempotency key");
            return JsonSerializer.Serialize(earlier.Record, DevJson.Options);
        }

        var escalation = new Escalation(ticketId, queue, note, caller.Subject, time.GetUtcNow());
        await tables.SupportTickets.UpsertEntityAsync(SampleTables.Row(ticketId, row, escalation), cancellationToken: cancellationToken);
        await tables.SupportTickets.UpsertEntityAsync(SampleTables.Row(ticketId, SampleTables.TicketRow, ticket with { Status = "escalated", Queue = queue }), cancellationToken: cancellationToken);
        ServiceDeskMcp.Log(http, "escalate_ticket", caller, StatusCodes.Status200OK, null);
        return JsonSerializer.Serialize(escalation, DevJson.Options);
    }

    private async Task<Ticket> FindAsync(HttpContext http, string tool, CallerToken caller, string ticketId, CancellationToken cancellationToken)
    {
        if (await SampleTables.GetAsync<Ticket>(tables.SupportTickets, ticketId, SampleTables.TicketRow, cancellationToken) is not { } found)
        {
            ServiceDeskMcp.Log(http, tool, caller, StatusCodes.Status404NotFound, $"ticket {ticketId} not found");
            throw new McpException($"{tool}: ticket {ticketId} not found");
        }

        ServiceDeskMcp.CheckRecord(http, tool, caller, found.Record);
        return found.Record;
    }
}
