// The KPI explorer: pick a metric, scope, period and breakdown; drill down.
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

test('sales ops breaks revenue down by region and drills into a region', async () => {
  const { context, page, problems } = await newPage(browser);
  await signIn(page, server.baseUrl, 'ops', server.password);
  await page.click('nav.menu a:has-text("KPIs")');
  await page.waitForURL(server.baseUrl + '/kpi');
  await page.selectOption('#kpi-metric', 'revenue');
  await page.fill('#kpi-period', '2026-Q1');
  await page.selectOption('#kpi-scope', 'company');
  await page.selectOption('#kpi-by', 'region');
  await Promise.all([page.waitForURL(/by=region/), page.click('#kpi-show')]);
  assert.match(await page.locator('#kpi-definition').innerText(), /Order amounts net of refunds/);
  const rows = page.locator('#kpi-table tbody tr');
  assert.equal(await rows.count(), 3, 'three regions in the small demo');
  assert.match(await rows.first().locator('td').nth(1).innerText(), /^CN¥[\d,]+\.\d{2}$/);
  await page.screenshot({ path: join(artifacts, 'kpi-regions.png'), fullPage: true });
  await Promise.all([page.waitForURL(/by=rep/), rows.first().locator('a').click()]);
  assert.ok(await page.locator('#kpi-table tbody tr').count() >= 2, 'the reps of the region');
  await page.screenshot({ path: join(artifacts, 'kpi-reps.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a rep sees his own win rate by month, in Chinese', async () => {
  const rep = server.logins.find((l) => l.role === 'rep');
  const { context, page } = await newPage(browser, 'zh-CN');
  await signIn(page, server.baseUrl, rep.login, server.password);
  await page.goto(server.baseUrl + '/kpi?metric=win_rate&period=2025&by=month');
  assert.equal(await page.locator('h1').innerText(), '指标分析');
  assert.equal(await page.locator('#kpi-table tbody tr').count(), 12);
  assert.equal(await page.locator('#kpi-scope option').count(), 1, 'a rep can only look at himself');
  await page.screenshot({ path: join(artifacts, 'kpi-rep-zh.png'), fullPage: true });
  await context.close();
});

test('revenue by product and CAC by channel for the company', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server.baseUrl, 'ops', server.password);
  await page.goto(server.baseUrl + '/kpi?metric=revenue&period=2026-Q1&scope=company&by=product');
  assert.ok(await page.locator('#kpi-table tbody tr').count() > 3, 'one row per product');
  await page.goto(server.baseUrl + '/kpi?metric=cac&period=2025&scope=company&by=channel');
  assert.equal(await page.locator('#kpi-by').inputValue(), 'channel');
  assert.ok(await page.locator('#kpi-table tbody tr').count() >= 2, 'one row per channel');
  await page.screenshot({ path: join(artifacts, 'kpi-cac-channel.png'), fullPage: true });
  await context.close();
});
