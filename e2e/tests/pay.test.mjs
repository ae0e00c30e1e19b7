// Commission: sales ops approves and locks a payout run; a rep reads his
// own statements, each with every step of its calculation, in Chinese.
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

const cents = (text) => Math.round(Number(text.replace(/[^\d.-]/g, '')) * 100);

test('sales ops approves and locks the quarter, then exports it to payroll', async () => {
  const { context, page, problems } = await newPage(browser);
  await signIn(page, server.baseUrl, 'ops', server.password);
  await page.click('nav.menu a:has-text("Pay")');
  await page.waitForURL(server.baseUrl + '/pay');
  const runs = page.locator('#pay-runs tbody tr');
  assert.equal(await runs.count(), 2, 'FY2026-Q1 locked, FY2026-Q2 draft');
  assert.match(await runs.first().innerText(), /FY2026-Q2\s+Draft/);
  const statements = await page.locator('#pay-statements tbody tr td:nth-child(7)').allInnerTexts();
  const sum = statements.map(cents).reduce((a, b) => a + b, 0);
  assert.equal(sum, cents(await runs.first().locator('td').nth(3).innerText()), 'the statements add up to the run');
  assert.equal(cents(await page.locator('#pay-sum').innerText()), sum);
  await page.screenshot({ path: join(artifacts, 'pay-runs.png'), fullPage: true });
  await Promise.all([page.waitForURL(/\/pay\?run=/), runs.first().locator('button.approve').click()]);
  assert.match(await page.locator('#pay-runs tbody tr').first().innerText(), /Approved/);
  await Promise.all([page.waitForURL(/\/pay\?run=/), page.locator('#pay-runs tbody tr').first().locator('button.lock').click()]);
  assert.match(await page.locator('#pay-runs tbody tr').first().innerText(), /Locked/);
  const href = await page.locator('#pay-runs tbody tr').first().locator('a.export').getAttribute('href');
  const csv = await page.evaluate(async (url) => (await fetch(url)).text(), href);
  assert.match(csv, /^period,login,name,external_id,amount,currency\nFY2026-Q2,/);
  assert.equal(csv.trim().split('\n').length, statements.length + 1);
  // A second run for the same quarter is refused with the reason.
  await page.fill('#pay-run-period', 'FY2026-Q2');
  await page.click('#pay-run-submit');
  await page.waitForSelector('#pay-error');
  assert.match(await page.locator('#pay-error').innerText(), /already covers days of FY2026-Q2/);
  // The refusal page answers 422, which the browser logs; nothing else may be.
  assert.deepEqual(problems.filter((p) => !/status of 422/.test(p)), []);
  await context.close();
});

test('a rep reads his own statements, with every step, in Chinese', async () => {
  const rep = server.logins.find((l) => l.role === 'rep');
  const { context, page, problems } = await newPage(browser, 'zh-CN');
  await signIn(page, server.baseUrl, rep.login, server.password);
  await page.click('nav.menu a:has-text("提成")');
  await page.waitForURL(server.baseUrl + '/pay');
  assert.equal(await page.locator('h1').innerText(), '提成');
  assert.equal(await page.locator('#pay-runs').count(), 0, 'no payout runs for a rep');
  const rows = page.locator('#pay-statements tbody tr');
  assert.equal(await rows.count(), 2, 'his Q1 and Q2 statements');
  const names = await page.locator('#pay-statements tbody tr td:nth-child(2)').allInnerTexts();
  assert.equal(new Set(names).size, 1, 'all his own');
  const own = (await page.locator('#pay-statements tbody tr a').evaluateAll((links) => links.map((a) => a.getAttribute('href'))))
    .map((h) => Number(h.split('/').pop()));
  await rows.first().locator('a').click();
  await page.waitForSelector('#statement-lines');
  assert.match(await page.locator('#statement-heading').innerText(), /的对账单/);
  assert.match(await page.locator('#statement-facts').innerText(), /配额[\s\S]*× \d+ \/ 365 天/);
  const amounts = await page.locator('#statement-lines tbody tr td:nth-child(4)').allInnerTexts();
  const earned = amounts.map(cents).reduce((a, b) => a + b, 0);
  const total = cents(await page.locator('#statement-total').innerText());
  assert.ok(total <= earned, 'what is paid never exceeds what the tiers earned');
  if (await page.locator('.statement-note').count() === 0) assert.equal(total, earned);
  await page.screenshot({ path: join(artifacts, 'statement-zh.png'), fullPage: true });
  assert.deepEqual(problems, []);
  const other = [1, 2, 3].find((id) => !own.includes(id));
  const response = await page.goto(server.baseUrl + `/pay/statements/${other}`);
  assert.equal(response.status(), 404, 'another rep\'s statement is not found');
  await context.close();
});
