using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>What fault tests do to governed runs through a host's API, as people would: start, approve, wait, verify.</summary>
internal static class GovernedRuns
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    public static async Task<string> StartAsync(HostProcess host, DevServicesProcess dev, string workflow, object input, string person = "alice@contoso.example")
    {
        using var client = host.As(await dev.SignInAsync(person));
        var response = await client.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }

    public static async Task ApproveAsync(HostProcess host, DevServicesProcess dev, string runId, string approver = "bob.manager@contoso.example")
    {
        using var client = host.As(await dev.SignInAsync(approver));
        var response = await client.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true, comment = "ok" });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    public static Task<JsonElement> WaitAsync(HostProcess host, string runId, Func<JsonElement, bool> condition, string what) =>
        host.WaitForJsonAsync($"/api/runs/{runId}", condition, Patience, what);

    public static Task<JsonElement> WaitPhaseAsync(HostProcess host, string runId, string phase) =>
        WaitAsync(host, runId, s => s.GetProperty("phase").GetString() == phase, $"in phase {phase}");

    public static Task<JsonElement> WaitFinishedAsync(HostProcess host, string runId) =>
        WaitAsync(host, runId, s => s.GetProperty("status").GetString() is "Completed" or "Failed" or "Terminated", "finished");

    /// <summary>The run's ledger as the investigators' API verifies it (the system key).</summary>
    public static async Task<JsonElement> VerifyAsync(HostProcess host, string runId) =>
        await host.GetJsonAsync<JsonElement>($"/api/evidence/verify?run={runId}");

    /// <summary>The records of the run's ledger, in order, as stored.</summary>
    public static async Task<List<JsonElement>> EvidenceAsync(HostProcess host, string runId)
    {
        var evidence = await host.GetJsonAsync<JsonElement>($"/api/runs/{runId}/evidence");
        return [.. evidence.GetProperty("records").EnumerateArray().Select(r => JsonDocument.Parse(r.GetProperty("json").GetString()!).RootElement)];
    }

    private static readonly Core.Model.IdentityCatalogue Catalogue =
        Core.Loading.WorkflowLoader.LoadCatalogue(Path.Combine(RepoPaths.Root, "workflows", "identities.yaml")).Catalogue;

    /// <summary>
    /// How many records the sample system holds at <paramref name="path"/> (a list), read as <paramref name="reader"/>: what
    /// was written, counted where it landed (a retried call the system answered from its idempotency record adds none).
    /// </summary>
    public static async Task<int> RecordsAsync(DevServicesProcess dev, string system, string path, string reader) =>
        (await dev.GetAsAsync(Catalogue.Find(reader)!.ClientIds["local"], system, path))!.AsArray().Count;

    /// <summary>Requests of <paramref name="method"/> the sample system answered with a 2xx on <paramref name="path"/> (idempotent replays included).</summary>
    public static async Task<int> AnsweredAsync(DevServicesProcess dev, string system, string path, string method = "POST") =>
        (await dev.RequestsToAsync(system, path)).Count(r => r.GetProperty("method").GetString() == method && r.GetProperty("status").GetInt32() is >= 200 and < 300);
}
