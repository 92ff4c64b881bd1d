using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace DurableAgentOps.Runtime.Principals;

/// <summary>A user as the directory knows them: the object id checks compare, and names and mail for people to read.</summary>
public sealed record DirectoryUser(string Id, string Name, string? Upn, string? Mail);

/// <summary>The directory could not answer; a check that needed it refuses (fails closed) with this reason.</summary>
internal sealed class DirectoryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// People and group members from Microsoft Graph (<c>/users/{upn}</c>, <c>/groups/{id}/transitiveMembers</c>), with
/// the host's identity. Answers are cached briefly; any failure is a <see cref="DirectoryUnavailableException"/>, never
/// "not found", so a directory outage refuses approvals instead of mis-counting them. Transient failures are retried
/// briefly by the HttpClient's pipeline (<see cref="DirectoryResilience"/>).
/// </summary>
public sealed class PrincipalDirectory(HttpClient http, IOptions<DirectoryOptions> options, TimeProvider time)
{
    private const int MaxPages = 50;

    private readonly ConcurrentDictionary<string, (DateTimeOffset At, DirectoryUser? User)> users = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, IReadOnlyList<DirectoryUser> Members)> groups = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lazy<TokenCredential> credential = new(() => new ManagedIdentityCredential(
        options.Value.ClientId is { Length: > 0 } id ? ManagedIdentityId.FromUserAssignedClientId(id) : ManagedIdentityId.SystemAssigned));

    private DirectoryOptions Options => options.Value;

    /// <summary>The object id of the user with this user principal name, or null when the directory has no such user.</summary>
    public async Task<string?> FindUserIdAsync(string userPrincipalName, CancellationToken cancellationToken) =>
        (await FindUserAsync(userPrincipalName, cancellationToken))?.Id;

    /// <summary>The user with this user principal name (or object id), or null when the directory has no such user.</summary>
    public async Task<DirectoryUser?> FindUserAsync(string userPrincipalNameOrId, CancellationToken cancellationToken)
    {
        if (users.TryGetValue(userPrincipalNameOrId, out var cached) && Fresh(cached.At))
        {
            return cached.User;
        }

        using var response = await SendAsync($"users/{Uri.EscapeDataString(userPrincipalNameOrId)}?$select=id,displayName,userPrincipalName,mail", cancellationToken);
        var user = response.StatusCode == HttpStatusCode.NotFound ? null : UserOf(await ReadAsync(response, cancellationToken));
        users[userPrincipalNameOrId] = (time.GetUtcNow(), user);
        return user;
    }

    /// <summary>True when the user is a member of the group, directly or through nested groups.</summary>
    public async Task<bool> IsMemberAsync(string groupObjectId, string userObjectId, CancellationToken cancellationToken) =>
        (await GetMembersAsync(groupObjectId, cancellationToken)).Any(m => string.Equals(m.Id, userObjectId, StringComparison.OrdinalIgnoreCase));

    /// <summary>The group's users, direct and through nested groups (other member kinds, such as devices, are left out).</summary>
    public async Task<IReadOnlyList<DirectoryUser>> GetMembersAsync(string groupObjectId, CancellationToken cancellationToken)
    {
        if (!groups.TryGetValue(groupObjectId, out var cached) || !Fresh(cached.At))
        {
            cached = (time.GetUtcNow(), await ReadMembersAsync(groupObjectId, cancellationToken));
            groups[groupObjectId] = cached;
        }

        return cached.Members;
    }

    private async Task<IReadOnlyList<DirectoryUser>> ReadMembersAsync(string groupObjectId, CancellationToken cancellationToken)
    {
        var members = new List<DirectoryUser>();
        string? next = $"groups/{Uri.EscapeDataString(groupObjectId)}/transitiveMembers?$select=id,displayName,userPrincipalName,mail";
        for (var page = 0; next is not null; page++)
        {
            if (page == MaxPages)
            {
                throw new DirectoryUnavailableException($"group {groupObjectId} has more than {MaxPages} pages of members; not judged");
            }

            using var response = await SendAsync(next, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                throw new DirectoryUnavailableException($"the directory has no group with object id {groupObjectId}");
            }

            var body = await ReadAsync(response, cancellationToken);
            if (body.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.Array)
            {
                members.AddRange(value.EnumerateArray()
                    .Where(m => !m.TryGetProperty("@odata.type", out var type) || type.GetString() == "#microsoft.graph.user")
                    .Select(UserOf).OfType<DirectoryUser>());
            }

            next = body.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }

        return members;
    }

    private static DirectoryUser? UserOf(JsonElement json)
    {
        string? Text(string name) => json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return Text("id") is { Length: > 0 } id
            ? new DirectoryUser(id.ToLowerInvariant(), Text("displayName") ?? Text("userPrincipalName") ?? id, Text("userPrincipalName"), Text("mail"))
            : null;
    }

    private async Task<HttpResponseMessage> SendAsync(string relativeOrAbsolute, CancellationToken cancellationToken)
    {
        var baseUrl = Options.GraphBaseUrl.AbsoluteUri.EndsWith('/') ? Options.GraphBaseUrl : new Uri(Options.GraphBaseUrl.AbsoluteUri + "/");
        var url = new Uri(baseUrl, relativeOrAbsolute);
        if (!string.Equals(url.GetLeftPart(UriPartial.Authority), baseUrl.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            // A next link elsewhere would carry the host's Graph token there.
            throw new DirectoryUnavailableException($"the directory answered with a link to another host ({url.Host})");
        }

        try
        {
            // The HttpClient's pipeline retries briefly (DirectoryResilience); what reaches here is its last word.
            var token = await credential.Value.GetTokenAsync(new TokenRequestContext([Options.Resource.TrimEnd('/') + "/.default"]), cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
            var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
            {
                var status = response.StatusCode;
                var asked = RetryAfter.Of(response, time) is { } wait && wait > TimeSpan.Zero ? $" (asked to retry after {wait.TotalSeconds:F0} s)" : string.Empty;
                response.Dispose();
                throw new DirectoryUnavailableException($"the directory answered {(int)status} {status}{asked} to GET {url.AbsolutePath}");
            }

            return response;
        }
        catch (TimeoutRejectedException ex)
        {
            throw new DirectoryUnavailableException($"the directory at {baseUrl.GetLeftPart(UriPartial.Authority)} did not answer within {ex.Timeout.TotalSeconds:F0} s", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or AuthenticationFailedException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new DirectoryUnavailableException($"the directory at {baseUrl.GetLeftPart(UriPartial.Authority)} cannot be reached: {ex.Message}", ex);
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new DirectoryUnavailableException("the directory's answer is not JSON", ex);
        }
    }

    private bool Fresh(DateTimeOffset at) => time.GetUtcNow() - at < Options.CacheDuration;
}
