// Scripted visits of the admin dashboard (/admin) in headless Chromium, driven by playwright-core.
// Usage: node admin.mjs BASE_URL ADMIN_KEY SCREENSHOT_DIR
// Covers: logging in with the admin key, creating a rule and seeing it take effect in the live
// preview, and reading an experiment's result. Each visit prints PASS or FAIL.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, adminKey, shots] = process.argv.slice(2);
if (!shots) {
  console.error('usage: node admin.mjs BASE_URL ADMIN_KEY SCREENSHOT_DIR');
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
mkdirSync(shots, { recursive: true });
const results = [];
const saved = [];

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
async function api(method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
  return r.status === 204 ? null : r.json();
}
async function until(fn, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
async function shot(page, name) {
  const path = join(shots, name);
  await page.screenshot({ path, fullPage: true });
  saved.push(path);
}
async function login(page) {
  await page.goto(base + '/admin');
  await page.fill('#key', adminKey);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#nav:not([hidden])', { timeout: 10000 });
}

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
async function visit(name, fn) {
  const t = Date.now();
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  try {
    await fn(context);
    results.push('PASS');
    console.log(`PASS  ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push('FAIL');
    console.log(`FAIL  ${name}: ${e.stack || e}`);
    for (const p of context.pages()) await shot(p, `FAILED-admin-${name.replace(/\W+/g, '-')}.png`).catch(() => {});
  } finally {
    await context.close();
  }
}

await visit('a wrong key is refused, the admin key logs in and the overview draws its charts', async (context) => {
  const page = await context.newPage();
  await page.goto(base + '/admin');
  await page.fill('#key', 'tak_wrong');
  await page.click('#login-form button[type=submit]');
  await until(async () => ((await page.textContent('#login-error')) || '').startsWith('Not logged in'), 'the refusal');
  await login(page);
  await page.waitForSelector('#chart-events svg', { timeout: 10000 });
  await page.waitForSelector('#chart-widgets svg', { timeout: 10000 });
  const stored = await page.evaluate(() => sessionStorage.getItem('tailorAdminKey'));
  assert(stored === adminKey, 'the key is kept in sessionStorage');
  await shot(page, 'admin-1-overview.png');
});

await visit('a new rule takes effect in the live preview', async (context) => {
  // A product the search for "milk" does not lead with, pinned to the first slot.
  const plain = await api('POST', '/v1/search', { query: 'milk', limit: 10 });
  assert(plain.items.length >= 2, `a search for milk finds ${plain.items.length} products`);
  const target = plain.items[plain.items.length - 1].product_id;
  const page = await context.newPage();
  await login(page);
  await page.click('nav button[data-tab=rules]');
  await page.fill('#preview-query', 'milk');
  const rule = { id: 'browser-pin', name: 'Pin for milk', priority: 5, when: { query: { contains: 'milk' } },
    actions: [{ type: 'pin', product_id: target, position: 0 }] };
  await page.fill('#rule-json', JSON.stringify(rule, null, 2));
  await until(async () => (await page.textContent('#preview-with li:first-child').catch(() => '') || '').includes(`(${target})`),
    'the preview to show the pinned product first');
  const without = await page.textContent('#preview-without li:first-child');
  assert(!without.includes(`(${target})`), 'without the rule the product is not first');
  assert((await page.textContent('#preview-status')).includes('changes'), 'the preview says the rule changes the list');
  await page.click('#rule-save');
  await until(async () => (await page.textContent('#rules-table')).includes('browser-pin'), 'the rule in the list');
  const live = await api('POST', '/v1/search', { query: 'milk', limit: 10 });
  assert(live.items[0].product_id === target, 'the saved rule holds in search');
  await shot(page, 'admin-2-rule-preview.png');
  await api('DELETE', '/v1/rules/browser-pin');
});

await visit("an experiment's result is readable, and says whether it is significant", async (context) => {
  await api('PUT', '/v1/experiments/browser-ab', { name: 'Browser check', surfaces: ['recommendations'], salt: 'browser',
    arms: [{ name: 'popular', strategy: 'popular' }, { name: 'personalized', strategy: 'personalized' }] }).catch(async (e) => {
    // Another experiment already runs on recommendations: read that one instead.
    if (!String(e).includes('409')) throw e;
  });
  for (let i = 0; i < 12; i++) {
    await api('POST', '/v1/recommendations', { visitor_id: `browser-v${i}`, boxes: [{ name: 'home', preset: 'trending' }] });
  }
  const page = await context.newPage();
  await login(page);
  await page.click('nav button[data-tab=experiments]');
  await page.waitForSelector('#experiments-table button', { timeout: 10000 });
  const rows = await page.$$eval('#experiments-table tr', (trs) => trs.map((t) => t.textContent));
  const index = rows.findIndex((r) => r.includes('browser-ab'));
  if (index > 0) await page.click(`#experiments-table tr:nth-child(${index + 1}) button`);
  await page.waitForSelector('#experiment-chart svg', { timeout: 10000 });
  await until(async () => (await page.$$('#result-arms tr')).length >= 3, 'the arms table');
  const verdict = await page.textContent('#result-comparisons');
  assert(/not enough data|no significant|differs|provisional|no conversions/.test(verdict), `a verdict is shown: ${verdict}`);
  assert(!/differs at the 5% level/.test(verdict), 'twelve shoppers never make a significant result');
  const shoppers = await page.$$eval('#result-arms tr td:nth-child(2)', (tds) => tds.reduce((s, td) => s + Number(td.textContent), 0));
  assert(shoppers >= 12, `the arms count the ${shoppers} exposed shoppers`);
  await shot(page, 'admin-3-experiment.png');
});

await browser.close();
console.log('\nScreenshots:');
for (const p of saved) console.log(`  ${p}`);
const failed = results.filter((r) => r === 'FAIL').length;
console.log(`\n${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
