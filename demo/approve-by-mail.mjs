// The demo's approver: finds the approval mail for a run in smtp4dev, opens its link in Debian's chromium (headless),
// signs in at the dev sign-in provider as the given person, reads the page and approves. Local demo use only.
//
//   node demo/approve-by-mail.mjs --smtp http://127.0.0.1:5080 --run <runId> --as bob.manager@contoso.example [--comment text]
import { chromium } from 'playwright-core';
import { parseArgs } from './common.mjs';

const args = parseArgs(process.argv.slice(2));
for (const name of ['smtp', 'run', 'as']) {
  if (!args[name]) { console.error(`approve-by-mail: --${name} is required`); process.exit(2); }
}

async function mailLink() {
  for (let attempt = 0; attempt < 150; attempt++) {
    const messages = await (await fetch(`${args.smtp}/api/messages?pageSize=1000`)).json();
    const list = Array.isArray(messages) ? messages : messages.results ?? [];
    const mail = list.find(m => (m.subject ?? '').includes(args.run) && (m.subject ?? '').startsWith('Approval needed')
      && (m.to ?? []).some(t => String(t).includes(args.as)));
    if (mail) {
      const text = await (await fetch(`${args.smtp}/api/messages/${mail.id}/plaintext`)).text();
      const link = text.match(/https?:\/\/\S+\/approvals\/[A-Za-z0-9%._~-]+/);
      if (link) return { subject: mail.subject, link: link[0] };
    }
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`no approval mail for ${args.as} about ${args.run} in smtp4dev`);
}

const { subject, link } = await mailLink();
console.log(`  mail to ${args.as}: "${subject}"`);
console.log(`  link: ${link}`);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'],
});
try {
  const page = await (await browser.newContext()).newPage();
  await page.goto(link);
  // Before sign-in the page says only that a review waits: no change, no names, nothing a forwarded mail would leak.
  console.log(`  before sign-in the page says only: ${(await page.locator('main').innerText()).replace(/\s+/g, ' ')}`);
  await page.click('#sign-in');
  await page.click(`button[value='${args.as}']`);
  await page.waitForSelector('#decision');
  console.log(`  signed in as ${args.as}, the page asks: ${(await page.locator('#summary').innerText()).replace(/\s+/g, ' ')}`);
  const context = await page.locator('#context').innerText();
  for (const line of context.split('\n').filter(l => l.trim())) console.log(`    ${line.trim()}`);
  console.log('  the exact change (only what changes):');
  for (const line of (await page.locator('#change').innerText()).split('\n').filter(l => l.trim())) console.log(`    ${line.trim()}`);
  if (await page.locator('#read').count() > 0) {
    const read = (await page.locator('#read').innerText()).split('\n').filter(l => l.trim());
    console.log(`  what the run read (as the systems answered): ${read.slice(0, 6).join(' ').replace(/\s+/g, ' ')}${read.length > 6 ? ' …' : ''}`);
  }
  const writer = await page.locator('#writer').innerText();
  console.log(`  and who writes it: ${writer.split('\n').slice(0, 4).join(' ').replace(/\s+/g, ' ')}`);
  await page.fill('#comment', args.comment ?? 'Approved from the mail link');
  await page.click('#approve');
  console.log(`  ${(await page.locator('#receipt').innerText()).replace(/\s+/g, ' ')}`);
} finally {
  await browser.close();
}
