// Measures approval-page decision → write completed, as an approver experiences it: for each of N runs, the approval
// mail's link is opened in headless chromium (signed in once, as a person keeps their session), and the time from the
// moment the page's POST leaves the browser (after the click on Approve) to the end of the write step (its
// server-side end: start + duration) is taken. The browser's own time from the click to the POST is reported apart.
// Prints p50/p95 and writes .artifacts/bench/approvals.{json,md}. Local use: run by ./build.sh bench --approvals.
//
//   node demo/measure-approvals.mjs --api http://127.0.0.1:7071 --smtp http://127.0.0.1:5080 --starter <login.json> --as bob.manager@contoso.example [--runs 50]
import { chromium } from 'playwright-core';
import { parseArgs, sleep, waitFor } from './common.mjs';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';

const args = parseArgs(process.argv.slice(2));
const runs = Number(args.runs ?? 50);
const token = JSON.parse(readFileSync(args.starter, 'utf8')).accessToken;
const api = (path, init = {}) => fetch(`${args.api}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });

async function linkFor(runId) {
  return waitFor(`the mail about ${runId}`, async () => {
    const list = (await (await fetch(`${args.smtp}/api/messages?pageSize=1000`)).json()).results ?? [];
    const mail = list.find(m => m.subject.includes(runId) && m.subject.startsWith('Approval needed') && m.to.some(t => t.includes(args.as)));
    if (!mail) return null;
    const text = await (await fetch(`${args.smtp}/api/messages/${mail.id}/plaintext`)).text();
    return text.match(/https?:\/\/\S+\/approvals\/[A-Za-z0-9%._~-]+/)?.[0] ?? null;
  }, 60000, 100);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
});
const samples = [];
// Where each sample's time went: the page's POST answered (client clock), the decision counted by the orchestration
// (its own time, after the event's hop and the decision check), the write step started, the write step done.
const parts = { browser: [], post: [], counted: [], writeStart: [], write: [] };
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  let posted = 0; // when the decision form's POST left the browser (client clock)
  page.on('request', request => { if (request.method() === 'POST' && request.url().includes('/approvals/')) posted = Date.now(); });
  for (let i = 0; i < runs; i++) {
    const started = await (await api('/api/workflows/crm-followup/runs', { method: 'POST', body: JSON.stringify({ input: { accountId: 'ACC-000002' } }) })).json();
    await waitFor('the gate', async () => (await (await api(`/api/runs/${started.runId}`)).json()).phase === 'awaiting-approval', 60000, 50);
    await page.goto(await linkFor(started.runId));
    if (await page.locator('#sign-in').count() > 0) {
      await page.click('#sign-in');
      await page.click(`button[value='${args.as}']`);
    }
    await page.waitForSelector('#decision');
    posted = 0;
    const clicked = Date.now();
    await page.click('#approve');
    await page.waitForSelector('.banner.ok');
    const answered = Date.now();
    if (!posted) throw new Error(`run ${started.runId}: the decision form's POST was not seen leaving the browser`);
    const done = await waitFor('the write', async () => {
      const status = await (await api(`/api/runs/${started.runId}`)).json();
      return status.steps.find(s => s.kind === 'write' || s.stepId === 'write-followup') ? status : null;
    });
    const write = done.steps.find(s => s.stepId === 'write-followup');
    const writeEnded = Date.parse(write.startedAt) + write.durationMs;
    samples.push(writeEnded - posted);
    const counted = Date.parse(done.approvals.find(a => a.approved)?.at ?? write.startedAt);
    parts.browser.push(posted - clicked);
    parts.post.push(answered - posted);
    parts.counted.push(counted - answered);
    parts.writeStart.push(Date.parse(write.startedAt) - counted);
    parts.write.push(write.durationMs);
    process.stdout.write(`  run ${i + 1}/${runs}: ${writeEnded - posted} ms\r`);
  }
} finally {
  await browser.close();
}

const percentile = (values, p) => { const s = [...values].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1)]; };
const sorted = [...samples].sort((a, b) => a - b);
const pct = p => percentile(samples, p);
const breakdown = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, { p50Ms: Math.round(percentile(v, 50)), p95Ms: Math.round(percentile(v, 95)) }]));
const result = { runs, p50Ms: pct(50), p95Ms: pct(95), minMs: sorted[0], maxMs: sorted.at(-1), breakdown, samplesMs: samples };
console.log(`\n  approval page POST -> write completed over ${runs} runs: p50 ${result.p50Ms} ms, p95 ${result.p95Ms} ms (min ${result.minMs}, max ${result.maxMs})`);
console.log(`  where it went, p50 / p95 ms: (before it, the browser from the click to the POST ${breakdown.browser.p50Ms} / ${breakdown.browser.p95Ms}) page POST answered ${breakdown.post.p50Ms} / ${breakdown.post.p95Ms}; then decision counted by the run ${breakdown.counted.p50Ms} / ${breakdown.counted.p95Ms}; ` +
  `then write started ${breakdown.writeStart.p50Ms} / ${breakdown.writeStart.p95Ms}; write step ${breakdown.write.p50Ms} / ${breakdown.write.p95Ms}`);
mkdirSync('.artifacts/bench', { recursive: true });
writeFileSync('.artifacts/bench/approvals.json', JSON.stringify(result, null, 2) + '\n');
writeFileSync('.artifacts/bench/approvals.md', `# Approval page POST → write completed\n\n| runs | p50 | p95 | min | max |\n|---|---|---|---|---|\n| ${runs} | ${result.p50Ms} ms | ${result.p95Ms} ms | ${result.minMs} ms | ${result.maxMs} ms |\n\n| part (p50 / p95 ms) | page POST answered | decision counted by the run | write started | write step |\n|---|---|---|---|---|\n| | ${breakdown.post.p50Ms} / ${breakdown.post.p95Ms} | ${breakdown.counted.p50Ms} / ${breakdown.counted.p95Ms} | ${breakdown.writeStart.p50Ms} / ${breakdown.writeStart.p95Ms} | ${breakdown.write.p50Ms} / ${breakdown.write.p95Ms} |\n\nMeasured from the moment the page's POST left the browser (client clock; the browser's own time from the click to the POST, p50 / p95 ${breakdown.browser.p50Ms} / ${breakdown.browser.p95Ms} ms, is not counted) to the write step's end (server clock, same machine), with the standalone host, Azurite in memory, DevServices and smtp4dev on this machine (./build.sh bench --approvals).\n`);
