// The org chart as an administrator keeps it and as a manager reads it:
// add, rename, move and remove units in the browser, a removal asked twice,
// in English and Chinese, at a laptop's and a phone's width.
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

const login = (role, n = 0) => server.logins.filter((l) => l.role === role)[n];

test('an administrator adds, renames, moves and removes a unit', async () => {
  const { context, page, problems } = await newPage(browser, 'en-US');
  await signIn(page, server.baseUrl, login('admin').login, server.password);
  await page.click('nav.menu a:has-text("Org chart")');
  assert.equal(await page.locator('h1').innerText(), 'Org chart');
  const units = page.locator('#org-tree > li');
  const before = await units.count();
  assert.equal(before, 10);
  await page.screenshot({ path: join(artifacts, 'org.png'), fullPage: true });

  await page.click('#add-unit summary');
  await page.fill('#new-unit-name', 'Key Accounts 大客户');
  await page.selectOption('#new-unit-kind', 'team');
  const parent = await page.locator('#new-unit-parent option', { hasText: /East China 华东$/ }).getAttribute('value');
  await page.selectOption('#new-unit-parent', parent);
  await Promise.all([page.waitForLoadState('load'), page.click('#add-unit-button')]);
  assert.equal(await page.locator('#notice').innerText(), 'The unit was added.');
  assert.equal(await units.count(), before + 1);
  const unit = (name) => page.locator('#org-tree > li').filter({ has: page.locator('.unit-name', { hasText: new RegExp(`^${name}$`) }) });
  const added = unit('Key Accounts 大客户');
  assert.match(await added.innerText(), /Team\s+0 people/);

  // Rename it and move it under another region.
  await added.locator('.org-edit > summary').click();
  await added.locator('input[name="name"]').fill('Key Accounts');
  const south = await added.locator('select[name="parent"] option', { hasText: /South China 华南$/ }).getAttribute('value');
  await added.locator('select[name="parent"]').selectOption(south);
  await Promise.all([page.waitForLoadState('load'), added.locator('button:has-text("Save")').click()]);
  assert.equal(await page.locator('#notice').innerText(), 'The unit was changed.');
  const moved = unit('Key Accounts');
  // It now comes right after South China's own units, as a child of it.
  const order = await page.locator('#org-tree .unit-name').allInnerTexts();
  assert.ok(order.indexOf('Key Accounts') > order.findIndex((n) => n.includes('South China')), order.join(' | '));

  // Removing asks twice.
  await moved.locator('.org-edit > summary').click();
  await moved.locator('.confirm > summary').click();
  assert.match(await moved.locator('.confirm form').innerText(), /Remove .*Key Accounts\? This cannot be undone\./);
  await Promise.all([page.waitForLoadState('load'), moved.locator('.confirm button').click()]);
  assert.equal(await page.locator('#notice').innerText(), 'The unit was removed.');
  assert.equal(await units.count(), before);

  // A unit with people cannot be removed: it offers no button and says why.
  const east = unit('East China 华东');
  await east.locator('.org-edit > summary').click();
  assert.equal(await east.locator('.confirm').count(), 0);
  assert.match(await east.innerText(), /cannot be removed/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a manager reads his part of the chart in Chinese on a phone, without edit controls', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, server.baseUrl, login('manager', 1).login, server.password);
  await page.goto(server.baseUrl + '/org');
  assert.equal(await page.locator('h1').innerText(), '组织架构');
  const shown = await page.locator('#org-tree > li').count();
  assert.ok(shown >= 1 && shown < 10, `a manager sees his subtree, not ${shown} units`);
  assert.equal(await page.locator('.org-edit, #add-unit').count(), 0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await page.screenshot({ path: join(artifacts, 'org-zh-phone.png'), fullPage: true });
  // Posting anyway is refused.
  const csrf = await page.locator('input[name="_csrf"]').first().getAttribute('value');
  const r = await page.request.post(server.baseUrl + '/org', { form: { _csrf: csrf, name: 'Rogue', kind: 'team', parent: '1' } });
  assert.equal(r.status(), 403);
  await context.close();
});
