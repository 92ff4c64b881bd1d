// Drives the standalone host's instance API with the npm durable-functions client (the real DurableClient, built
// the way getClient builds it inside a Functions app), and prints one JSON line per operation for
// DurableFunctionsClientTests to read. The client's management URLs are the ones a Functions host hands it, without
// the `code` query parameter: this host takes its system key from the x-functions-key header only.
//
//   AGENTOPS_HOST=http://127.0.0.1:PORT AGENTOPS_SYSTEM_KEY=… AGENTOPS_STARTER_TOKEN=… AGENTOPS_WORKFLOW=crm-followup \
//   AGENTOPS_INPUT='{"accountId":"ACC-000002"}' node drive.js
'use strict';
const df = require('durable-functions');

const host = process.env.AGENTOPS_HOST;
const hub = process.env.AGENTOPS_HUB ?? 'DurableAgentOps';
process.env.WEBSITE_HOSTNAME = new URL(host).host; // getClient keeps the URLs as given only for a named site
const query = `taskHub=${hub}&connection=Storage`;
const instances = `${host}/runtime/webhooks/durabletask/instances`;
const clientData = {
  taskHubName: hub,
  creationUrls: {
    createNewInstancePostUri: `${host}/runtime/webhooks/durabletask/orchestrators/{functionName}[/{instanceId}]?${query}`,
    createAndWaitOnNewInstancePostUri: `${host}/runtime/webhooks/durabletask/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
  },
  managementUrls: {
    id: 'INSTANCEID',
    statusQueryGetUri: `${instances}/INSTANCEID?${query}`,
    sendEventPostUri: `${instances}/INSTANCEID/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${instances}/INSTANCEID/terminate?reason={text}&${query}`,
    rewindPostUri: `${instances}/INSTANCEID/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${instances}/INSTANCEID?${query}`,
    suspendPostUri: `${instances}/INSTANCEID/suspend?reason={text}&${query}`,
    resumePostUri: `${instances}/INSTANCEID/resume?reason={text}&${query}`,
  },
  baseUrl: `${host}/runtime/webhooks/durabletask`,
  requiredQueryStringParameters: query,
};

function client(headers) {
  const input = df.input.durableClient();
  const context = { options: { extraInputs: [input] }, extraInputs: { get: () => clientData } };
  const c = df.getClient(context);
  Object.assign(c.axiosInstance.defaults.headers.common, headers);
  return c;
}

const starter = client({ authorization: `Bearer ${process.env.AGENTOPS_STARTER_TOKEN}` });
const admin = client({ 'x-functions-key': process.env.AGENTOPS_SYSTEM_KEY });
const say = (op, result) => console.log(JSON.stringify({ op, ...result }));
async function step(op, action) {
  try {
    say(op, { ok: true, value: await action() });
  } catch (error) {
    say(op, { ok: false, error: String(error?.message ?? (typeof error === 'string' ? error : JSON.stringify(error))).slice(0, 400) });
  }
}
const sleep = ms => new Promise(r => setTimeout(r, ms));

(async () => {
  const from = new Date(Date.now() - 60_000);
  let id;
  await step('startNew', async () => (id = await starter.startNew(process.env.AGENTOPS_WORKFLOW, { input: JSON.parse(process.env.AGENTOPS_INPUT) })));
  await step('startNewAsTheSystemKey', () => admin.startNew(process.env.AGENTOPS_WORKFLOW, { input: JSON.parse(process.env.AGENTOPS_INPUT) }));
  for (let i = 0; i < 120; i++) {
    const s = await admin.getStatus(id, { showHistory: true, showHistoryOutput: true, showInput: true });
    if (s.customStatus?.phase === 'awaiting-approval') break;
    await sleep(500);
  }
  // The client's own status object drops the history (it reads a `history` field Durable Functions does not send), so
  // the history is read as a script would: GET on the management URL the client was given.
  await step('getStatusWithHistory', async () => {
    const url = clientData.managementUrls.statusQueryGetUri.replace('INSTANCEID', id) + '&showHistory=true&showHistoryOutput=true&showInput=true';
    const { status, data } = await admin.axiosInstance.get(url);
    if (status !== 200) throw new Error(`${status} ${JSON.stringify(data)}`);
    return { name: data.name, runtimeStatus: data.runtimeStatus, phase: data.customStatus?.phase, history: data.historyEvents };
  });
  await step('getStatusBy', async () => (await admin.getStatusBy({ createdTimeFrom: from, runtimeStatus: [df.OrchestrationRuntimeStatus.Running, df.OrchestrationRuntimeStatus.Pending] })).map(s => s.instanceId));
  await step('getStatusAll', async () => (await admin.getStatusAll()).map(s => s.instanceId));
  await step('rewind', () => admin.rewind(id, 'try it'));
  await step('terminate', () => admin.terminate(id, 'stopped by the client test'));
  for (let i = 0; i < 60; i++) {
    if ((await admin.getStatus(id)).runtimeStatus === df.OrchestrationRuntimeStatus.Terminated) break;
    await sleep(500);
  }
  await step('getStatusAfterTerminate', async () => (await admin.getStatus(id)).runtimeStatus);
  await step('purgeInstanceHistoryByRunning', () => admin.purgeInstanceHistoryBy({ createdTimeFrom: from, runtimeStatus: [df.OrchestrationRuntimeStatus.Running] }));
  await step('purgeInstanceHistoryBy', async () => (await admin.purgeInstanceHistoryBy({ createdTimeFrom: from, runtimeStatus: [df.OrchestrationRuntimeStatus.Terminated] })).instancesDeleted);
  await step('getStatusAfterPurge', async () => (await admin.getStatus(id)).runtimeStatus);
  say('id', { ok: true, value: id });
})();
