// The import pages: upload, mapping preview, dry run, confirm — in English and Chinese.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startServer, launchBrowser, artifacts, signIn, newPage } from '../lib/harness.mjs';

let server;
let browser;
let dir;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'attain-import-'));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('sales ops uploads a Zoho export, maps a column, checks and imports it', async () => {
  const rep = server.logins.find((l) => l.role === 'rep');
  const file = join(dir, 'Deals_export.csv');
  // "Opportunity Title" is no Zoho label: the name column must be chosen by hand.
  writeFileSync(file, [
    'Record Id,Opportunity Title,Account Name,Deal Owner,Amount,Stage,Closing Date,Created Time',
    `zcrm_9001,E2E analyzer order,E2E Labs,${rep.login},"48,500.00",Closed Won,2026-05-28,2026-03-01 09:00:00`,
    `zcrm_9002,E2E service renewal,E2E Labs,${rep.login},12000,Negotiation/Review,2026-08-31,2026-05-02 10:00:00`,
  ].join('\n') + '\n');
  const { context, page, problems } = await newPage(browser);
  await signIn(page, server.baseUrl, 'ops', server.password);
  await page.click('nav.menu a:has-text("Import")');
  await page.waitForURL(server.baseUrl + '/import');
  await page.selectOption('#import-entity', 'deals');
  await page.selectOption('#import-preset', 'zoho');
  await page.setInputFiles('#import-file', file);
  await Promise.all([page.waitForURL(/\/import\/\d+$/), page.click('#import-check')]);
  const alert = await page.locator('#import-problems').innerText();
  assert.match(alert, /required column 'name' is missing/);
  assert.equal(await page.locator('#import-confirm').count(), 0, 'no confirm button while there are problems');
  assert.equal(await page.locator('#field-amount select').inputValue(), 'Amount', 'Zoho labels are matched');
  await page.screenshot({ path: join(artifacts, 'import-problems.png'), fullPage: true });

  await page.selectOption('#field-name select', 'Opportunity Title');
  await Promise.all([page.waitForLoadState('load'), page.click('#import-recheck')]);
  await page.locator('#import-ok').waitFor();
  assert.match(await page.locator('#import-ok').innerText(), /All 2 rows passed the check/);
  assert.match(await page.locator('#field-name').innerText(), /E2E analyzer order/, 'sample values under the mapping');
  await page.screenshot({ path: join(artifacts, 'import-preview.png'), fullPage: true });
  await Promise.all([page.waitForLoadState('load'), page.click('#import-confirm')]);
  await page.locator('#import-done').waitFor();
  assert.equal(await page.locator('#count-created').innerText(), '2');
  await page.screenshot({ path: join(artifacts, 'import-done.png') });
  // The problem page answers 422 on purpose; nothing else may complain.
  assert.deepEqual(problems.filter((p) => !p.includes('status of 422')), []);
  await context.close();
});

test('the import page speaks Chinese and a rep cannot reach it', async () => {
  const { context, page } = await newPage(browser, 'zh-CN');
  await signIn(page, server.baseUrl, 'ops', server.password);
  await page.goto(server.baseUrl + '/import');
  assert.equal(await page.locator('h1').innerText(), '导入数据');
  assert.equal(await page.locator('#import-entity option[value="payments"]').innerText(), '回款');
  await page.screenshot({ path: join(artifacts, 'import-zh.png') });
  await context.close();

  const rep = server.logins.find((l) => l.role === 'rep');
  const r = await newPage(browser);
  await signIn(r.page, server.baseUrl, rep.login, server.password);
  assert.equal(await r.page.locator('nav.menu a:has-text("Import")').count(), 0);
  const response = await r.page.goto(server.baseUrl + '/import');
  assert.equal(response.status(), 403);
  await r.context.close();
});
