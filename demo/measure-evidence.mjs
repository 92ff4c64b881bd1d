// Measures what evidence costs a governed run: N crm-followup runs (start, gate, Bob approves by API, write, end) on a
// host with evidence on or off, timing each run from its start request to its completion as the API reports it, and
// counting the storage requests Azurite logged meanwhile: all of them, and those to the evidence tables and blobs.
// One mode per call; ./build.sh bench --evidence runs both against the same stack and compares them.
//
//   node demo/measure-evidence.mjs --api URL --starter <login.json> --approver <login.json> --azurite-log <debug.log> --mode on|off [--runs 20] --out file.json
import { parseArgs, sleep, waitFor } from './common.mjs';
import { readFileSync, writeFileSync, statSync } from 'node:fs';

const args = parseArgs(process.argv.slice(2));
const runs = Number(args.runs ?? 20);
const tokenOf = file => JSON.parse(readFileSync(file, 'utf8')).accessToken;
const call = (token, path, init = {}) => fetch(`${args.api}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
const starter = tokenOf(args.starter), approver = tokenOf(args.approver);

// Azurite's debug log has one "StorageContextMiddleware: RequestMethod=… RequestURL=…" line per request.
const logSize = () => statSync(args['azurite-log']).size;
function requestsSince(offset) {
  const text = readFileSync(args['azurite-log'], 'utf8').slice(offset);
  const urls = [...text.matchAll(/StorageContextMiddleware: RequestMethod=\S+ RequestURL=(\S+)/g)].map(m => m[1]);
  return { all: urls.length, evidence: urls.filter(u => /Evidence|-evidence/.test(u)).length };
}

const durations = [];
await sleep(2000); // let the host's start-up traffic settle
const offset = logSize();
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const started = await (await call(starter, '/api/workflows/crm-followup/runs', { method: 'POST', body: JSON.stringify({ input: { accountId: 'ACC-000002' } }) })).json();
  await waitFor('the gate', async () => (await (await call(starter, `/api/runs/${started.runId}`)).json()).phase === 'awaiting-approval');
  const decided = await call(approver, `/api/runs/${started.runId}/approvals`, { method: 'POST', body: JSON.stringify({ approved: true }) });
  if (decided.status !== 202) throw new Error(`approval refused: ${decided.status} ${await decided.text()}`);
  const done = await waitFor('the end', async () => { const s = await (await call(starter, `/api/runs/${started.runId}`)).json(); return s.status === 'Completed' || s.status === 'Failed' ? s : null; });
  if (done.outcome !== 'completed') throw new Error(`run ${started.runId} ended ${done.outcome}`);
  durations.push(performance.now() - t0);
}
await sleep(1500); // the run's last append finishes after the status says completed
const requests = requestsSince(offset);
const sorted = [...durations].sort((a, b) => a - b);
const pct = p => sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)];
const result = { mode: args.mode, runs, p50Ms: Math.round(pct(50)), p95Ms: Math.round(pct(95)), meanMs: Math.round(durations.reduce((a, b) => a + b, 0) / runs),
  storageRequestsPerRun: Math.round(requests.all / runs), evidenceRequestsPerRun: Math.round(requests.evidence / runs) };
writeFileSync(args.out, JSON.stringify(result, null, 2));
console.log(`  evidence ${args.mode}: ${runs} runs, p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms, ${result.storageRequestsPerRun} storage requests per run (${result.evidenceRequestsPerRun} to the evidence tables and blobs)`);
