// The settings page as an administrator uses it, in English and Chinese, at
// a laptop's and a phone's width: a wrong value is refused in the person's
// language and changes nothing; a new fiscal year keeps goals on their dates
// and says which no longer align; nobody else sees the page.
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

const admin = () => server.logins.find((l) => l.role === 'admin');

test('an administrator changes the settings; a wrong value is refused and changes nothing', async () => {
  const { context, page, problems } = await newPage(browser, 'en-US');
  await signIn(page, server.baseUrl, admin().login, server.password);
  await page.click('nav.menu a:has-text("Settings")');
  assert.equal(await page.locator('h1').innerText(), 'Settings');
  assert.equal(await page.inputValue('#setting-fiscal_year_start_month'), '1');
  await page.screenshot({ path: join(artifacts, 'settings.png'), fullPage: true });

  await page.fill('#setting-time_zone', 'Moon/Base');
  await page.fill('#setting-company_name', 'Should not stick');
  await Promise.all([page.waitForLoadState('load'), page.click('#save-settings')]);
  assert.match(await page.locator('#settings-error').innerText(), /^Time zone: “Moon\/Base” is not an IANA time zone/);
  // What was typed stays in the form; nothing was stored.
  assert.equal(await page.inputValue('#setting-time_zone'), 'Moon/Base');
  await page.goto(server.baseUrl + '/admin/settings');
  assert.notEqual(await page.inputValue('#setting-company_name'), 'Should not stick');

  await page.fill('#setting-time_zone', 'Asia/Shanghai');
  await page.selectOption('#setting-fiscal_year_start_month', '4');
  await Promise.all([page.waitForLoadState('load'), page.click('#save-settings')]);
  assert.match(await page.locator('#notice').innerText(), /2 settings were changed/);
  const moved = page.locator('#goals-moved tbody tr');
  assert.ok(await moved.count() > 0);
  assert.ok(await page.locator('#goals-moved .badge.warn').count() > 0, 'the annual goals are no longer a fiscal year');
  assert.doesNotMatch(await page.locator('#goals-moved').innerText(), /unit:\d|rep:\d/, 'goals are named by names, not IDs');
  await page.screenshot({ path: join(artifacts, 'settings-goals-moved.png'), fullPage: true });
  assert.equal(await page.inputValue('#setting-fiscal_year_start_month'), '4');
  assert.equal(await page.inputValue('#setting-time_zone'), 'Asia/Shanghai');
  // The refused save answers 422 on purpose; nothing else may complain.
  assert.deepEqual(problems.filter((p) => !p.includes('422')), []);
  await context.close();
});

test('the settings page reads in Chinese and fits a phone', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, server.baseUrl, admin().login, server.password);
  await page.goto(server.baseUrl + '/admin/settings');
  assert.equal(await page.locator('h1').innerText(), '设置');
  assert.equal(await page.locator('label[for="setting-week_start"]').evaluate((l) => l.firstChild.textContent.trim()), '每周起始日');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  // The browser itself refuses a churn window of 0 days (the server would too).
  assert.equal(await page.getAttribute('#setting-churn_inactive_days', 'min'), '1');
  await page.fill('#setting-time_zone', 'Mars/Olympus');
  await Promise.all([page.waitForLoadState('load'), page.click('#save-settings')]);
  assert.match(await page.locator('#settings-error').innerText(), /^时区：“Mars\/Olympus”不是IANA 时区/);
  await page.screenshot({ path: join(artifacts, 'settings-zh-phone.png'), fullPage: true });
  await context.close();
});

test('nobody but an administrator sees or posts the settings', async () => {
  for (const role of ['sales_ops', 'manager', 'rep']) {
    const who = server.logins.find((l) => l.role === role);
    const { context, page } = await newPage(browser, 'en-US');
    await signIn(page, server.baseUrl, who.login, server.password);
    assert.equal(await page.locator('nav.menu a', { hasText: 'Settings' }).count(), 0, role);
    const denied = await page.goto(server.baseUrl + '/admin/settings');
    assert.equal(denied.status(), 403, role);
    await context.close();
  }
});
