// The deals page: each person sees the deals his role allows, in his language.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, artifacts, signIn, newPage } from '../lib/harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('sales ops pages through every deal and filters by status', async () => {
  const { context, page, problems } = await newPage(browser);
  await signIn(page, server.baseUrl, 'ops', server.password);
  await page.click('nav.menu a:has-text("Deals")');
  await page.waitForURL(server.baseUrl + '/deals');
  const total = Number((await page.locator('#deal-count').innerText()).replace(/[^0-9]/g, ''));
  assert.ok(total > 1000, `the demo has thousands of deals, not ${total}`);
  assert.equal(await page.locator('#deals tbody tr').count(), 50);
  assert.match(await page.locator('#deals tbody tr').first().locator('td').nth(4).innerText(), /^CN¥[\d,]+\.\d{2}$/);
  await page.screenshot({ path: join(artifacts, 'deals.png'), fullPage: false });
  await page.click('#page-next');
  await page.waitForURL(/offset=50/);
  await page.selectOption('#deal-status', 'won');
  await Promise.all([page.waitForURL(/status=won/), page.click('#filter-deals')]);
  const statuses = new Set(await page.locator('#deals tbody tr td:nth-child(7)').allInnerTexts());
  assert.deepEqual([...statuses], ['Won']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a rep sees only his own deals, in Chinese with ¥ amounts', async () => {
  const rep = server.logins.find((l) => l.role === 'rep');
  const { context, page } = await newPage(browser, 'zh-CN');
  await signIn(page, server.baseUrl, rep.login, server.password);
  await page.goto(server.baseUrl + '/deals');
  assert.equal(await page.locator('h1').innerText(), '商机');
  const owners = new Set(await page.locator('#deals tbody tr td:nth-child(3)').allInnerTexts());
  assert.equal(owners.size, 1, `one owner only: ${[...owners]}`);
  assert.match(await page.locator('#deals tbody tr').first().locator('td').nth(4).innerText(), /^¥[\d,]+\.\d{2}$/);
  await page.screenshot({ path: join(artifacts, 'deals-rep-zh.png') });
  await context.close();
});
