using DurableAgentOps.Api.Writer;
using DurableAgentOps.Runtime.Writer;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace DurableAgentOps.Functions.Writer;

/// <summary>
/// The writer's routes on Functions, under the host's <c>api/</c> prefix: the same handlers the standalone host's
/// writer role maps (<see cref="WriterEndpoints"/>). Anonymous to the Functions host: the intent's signature is the
/// credential, checked by <see cref="WriterService"/>.
/// </summary>
internal sealed class WriterFunctions(WriterService writer)
{
    [Function("WriteIntent")]
    public Task<IResult> WriteIntent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "writer/intents")] HttpRequest request) =>
        WriterEndpoints.WriteAsync(request, writer, request.HttpContext.RequestAborted);

    [Function("WriterHealth")]
    public IResult WriterHealth(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "healthz")] HttpRequest request) =>
        WriterEndpoints.Health();
}
