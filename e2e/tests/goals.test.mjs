// Goals: the goal tree of a period, one goal with its SMART check, a
// revision with its reason, a split by weights, and a rep's check-in in Chinese.
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

test('the head of sales revises the quarter goal and its regions follow', async () => {
  const { context, page, problems } = await newPage(browser);
  await signIn(page, server.baseUrl, 'ceo', server.password);
  assert.equal(await page.locator('#home-goals tbody tr').count(), 4, 'the year and the quarter\'s three company goals');
  await page.screenshot({ path: join(artifacts, 'home-goals.png'), fullPage: true });
  await page.click('nav.menu a:has-text("Goals")');
  await page.waitForURL(server.baseUrl + '/goals');
  assert.equal(await page.locator('h1').innerText(), 'Goals');
  assert.equal(await page.locator('#goals-period').inputValue(), 'FY2026');
  const rows = page.locator('#goals-table tbody tr');
  assert.ok(await rows.count() >= 12, 'year, quarter, new customers and win rate, each with three regions');
  assert.match(await rows.first().innerText(), /Annual revenue/);
  await page.screenshot({ path: join(artifacts, 'goals.png'), fullPage: true });

  await page.goto(server.baseUrl + '/goals?period=FY2026-Q2');
  await page.locator('#goals-table tbody tr.goal-depth-0', { hasText: 'FY2026-Q2' }).first().locator('a').click();
  await page.waitForSelector('#goal-smart');
  assert.match(await page.locator('#goal-heading').innerText(), /Revenue · .* · FY2026-Q2/);
  assert.equal(await page.locator('#goal-smart li').count(), 5);
  assert.match(await page.locator('#goal-smart').innerText(), /Achievable[\s\S]*comparable past periods/);
  assert.equal(await page.locator('#goal-parts tbody tr').count(), 3);
  assert.equal(await page.locator('#goal-revisions tbody tr').count(), 1, 'the demo raised it once');
  await page.fill('#goal-revise-target', '60000000');
  await page.fill('#goal-revise-reason', 'Distributor deal signed early');
  await Promise.all([page.waitForURL(/done=revised/), page.click('#goal-revise-submit')]);
  assert.match(await page.locator('#goal-notice').innerText(), /parts follow in proportion/);
  assert.match(await page.locator('#goal-facts').innerText(), /CN¥60,000,000\.00/);
  assert.match(await page.locator('#goal-revisions tbody tr').first().innerText(), /ceo[\s\S]*CN¥60,000,000\.00[\s\S]*Distributor deal signed early/);
  const parts = await page.locator('#goal-parts tbody tr td:nth-child(3)').allInnerTexts();
  const sum = parts.map((t) => Math.round(Number(t.replace(/[^\d.]/g, '')) * 100)).reduce((a, b) => a + b, 0);
  assert.equal(sum, 6_000_000_000, 'the regions add up to the new target, to the cent');
  await page.screenshot({ path: join(artifacts, 'goal.png'), fullPage: true });
  // A revision without a reason is refused and explained.
  await page.fill('#goal-revise-target', '1');
  await page.fill('#goal-revise-reason', ' ');
  await page.click('#goal-revise-submit');
  await page.waitForSelector('#goal-error');
  assert.match(await page.locator('#goal-error').innerText(), /reason/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('sales ops sets a goal and splits it into months by season', async () => {
  const { context, page, problems } = await newPage(browser);
  await signIn(page, server.baseUrl, 'ops', server.password);
  await page.goto(server.baseUrl + '/goals');
  await page.selectOption('#goal-new-metric', 'deals_won');
  await page.selectOption('#goal-new-scope', 'company');
  await page.fill('#goal-new-period', '2026-Q3');
  await page.fill('#goal-new-target', '150');
  await Promise.all([page.waitForURL(/done=created/), page.click('#goal-new-submit')]);
  assert.match(await page.locator('#goal-heading').innerText(), /Deals won · .* · 2026-Q3/);
  await page.selectOption('#goal-split-into', 'months');
  await page.selectOption('#goal-split-method', 'history');
  await Promise.all([page.waitForURL(/done=split/), page.click('#goal-split-submit')]);
  const months = await page.locator('#goal-parts tbody tr td:nth-child(2)').allInnerTexts();
  assert.deepEqual(months, ['2026-07', '2026-08', '2026-09']);
  const targets = await page.locator('#goal-parts tbody tr td:nth-child(3)').allInnerTexts();
  assert.equal(targets.map(Number).reduce((a, b) => a + b, 0), 150);
  await page.screenshot({ path: join(artifacts, 'goal-months.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a rep sees only his own goals, in Chinese, and checks in', async () => {
  const rep = server.logins.find((l) => l.role === 'rep');
  const { context, page, problems } = await newPage(browser, 'zh-CN');
  await signIn(page, server.baseUrl, rep.login, server.password);
  assert.equal(await page.locator('#home-goals tbody tr').count(), 1, 'his goal in progress on the home page');
  await page.click('nav.menu a:has-text("目标")');
  await page.waitForURL(server.baseUrl + '/goals');
  assert.equal(await page.locator('h1').innerText(), '目标');
  const rows = page.locator('#goals-table tbody tr');
  assert.equal(await rows.count(), 1, 'his share of the annual revenue goal');
  assert.equal(await page.locator('#goal-new').count(), 0, 'a rep does not set goals');
  await rows.first().locator('a').click();
  await page.waitForSelector('#goal-smart');
  assert.match(await page.locator('#goal-smart').innerText(), /可实现/);
  assert.equal(await page.locator('#goal-revise').count(), 0);
  assert.equal(await page.locator('#goal-parent').count(), 0, 'his team goal is not his to see');
  await page.fill('#goal-checkin-confidence', '80');
  await page.fill('#goal-checkin-comment', '两个演示已约，下周报价');
  await Promise.all([page.waitForURL(/done=checkin/), page.click('#goal-checkin-submit')]);
  assert.equal(await page.locator('#goal-notice').innerText(), '进展更新已保存。');
  assert.match(await page.locator('#goal-checkins').innerText(), /信心 80%[\s\S]*两个演示已约/);
  await page.screenshot({ path: join(artifacts, 'goal-rep-zh.png'), fullPage: true });
  assert.deepEqual(problems, []);
  // Another rep's goal is not found.
  const response = await page.goto(server.baseUrl + '/goals/3');
  assert.equal(response.status(), 404);
  await context.close();
});
