using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Security;

/// <summary>The directory could not answer; a check that needed it refuses (fails closed) with this reason.</summary>
public sealed class DirectoryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// People and group members from Microsoft Graph (<c>/users/{upn}</c>, <c>/groups/{id}/transitiveMembers</c>), with
/// the host's identity. Answers are cached briefly; any failure is a <see cref="DirectoryUnavailableException"/>, never
/// "not found", so a directory outage refuses approvals instead of mis-counting them.
/// </summary>
public sealed class PrincipalDirectory(HttpClient http, IOptions<DirectoryOptions> options, TimeProvider time)
{
    private const int MaxPages = 50;

    private readonly ConcurrentDictionary<string, (DateTimeOffset At, string? Id)> users = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, IReadOnlySet<string> Members)> groups = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lazy<TokenCredential> credential = new(() => new ManagedIdentityCredential(
        options.Value.ClientId is { Length: > 0 } id ? ManagedIdentityId.FromUserAssignedClientId(id) : ManagedIdentityId.SystemAssigned));

    private DirectoryOptions Options => options.Value;

    /// <summary>The object id of the user with this user principal name, or null when the directory has no such user.</summary>
    public async Task<string?> FindUserIdAsync(string userPrincipalName, CancellationToken cancellationToken)
    {
        if (users.TryGetValue(userPrincipalName, out var cached) && Fresh(cached.At))
        {
            return cached.Id;
        }

        using var response = await SendAsync($"users/{Uri.EscapeDataString(userPrincipalName)}?$select=id,userPrincipalName", cancellationToken);
        string? id = null;
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            var user = await ReadAsync(response, cancellationToken);
            id = user.TryGetProperty("id", out var value) ? value.GetString()?.ToLowerInvariant() : null;
        }

        users[userPrincipalName] = (time.GetUtcNow(), id);
        return id;
    }

    /// <summary>True when the user is a member of the group, directly or through nested groups.</summary>
    public async Task<bool> IsMemberAsync(string groupObjectId, string userObjectId, CancellationToken cancellationToken)
    {
        if (!groups.TryGetValue(groupObjectId, out var cached) || !Fresh(cached.At))
        {
            cached = (time.GetUtcNow(), await ReadMembersAsync(groupObjectId, cancellationToken));
            groups[groupObjectId] = cached;
        }

        return cached.Members.Contains(userObjectId);
    }

    private async Task<IReadOnlySet<string>> ReadMembersAsync(string groupObjectId, CancellationToken cancellationToken)
    {
        var members = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? next = $"groups/{Uri.EscapeDataString(groupObjectId)}/transitiveMembers?$select=id";
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
                members.UnionWith(value.EnumerateArray().Select(m => m.TryGetProperty("id", out var id) ? id.GetString() : null).OfType<string>());
            }

            next = body.TryGetProperty("@odata.nextLink", out var link) ? link.GetString() : null;
        }

        return members;
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
            var token = await credential.Value.GetTokenAsync(new TokenRequestContext([Options.Resource.TrimEnd('/') + "/.default"]), cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
            var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
            {
                var status = response.StatusCode;
                response.Dispose();
                throw new DirectoryUnavailableException($"the directory answered {(int)status} {status} to GET {url.AbsolutePath}");
            }

            return response;
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
