// The people file on the Import page, as an administrator moves a team in:
// checked first, then written with its new units; one-time passwords shown
// once; problems listed by line; in Chinese and on a phone; nobody else may.
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
const file = (text) => ({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
const people = 'login,name,email,role,unit,manager\n'
  + 'kai.zhou,Kai Zhou 周凯,kai@example.com,manager,East China 华东/Key Accounts,\n'
  + 'mia.sun,Mia Sun 孙米,,rep,East China 华东/Key Accounts,kai.zhou\n';

test('an administrator checks, then imports, a people file with a new team', async () => {
  const { context, page, problems } = await newPage(browser, 'en-US');
  await signIn(page, server.baseUrl, admin().login, server.password);
  await page.goto(server.baseUrl + '/import');
  await Promise.all([page.waitForLoadState('load'), page.click('#import-people-link')]);
  assert.equal(await page.locator('h1').innerText(), 'Import people');

  // Without creating units, the new team is a problem of its rows.
  await page.setInputFiles('#people-file', file(people));
  await Promise.all([page.waitForLoadState('load'), page.click('#people-submit')]);
  assert.match(await page.locator('#people-error').innerText(), /2 problems in the file: nothing was imported/);
  assert.match(await page.locator('#people-problems tbody tr').first().innerText(), /2\s+unit\s+no org unit has the ID, name or path/);

  // Checked with new units: nothing written yet.
  await page.setInputFiles('#people-file', file(people));
  await page.check('#people-create-units');
  await Promise.all([page.waitForLoadState('load'), page.click('#people-submit')]);
  assert.match(await page.locator('#people-checked').innerText(), /2 people to add/);
  assert.equal(await page.locator('#people-passwords').count(), 0);

  await page.setInputFiles('#people-file', file(people));
  await page.check('#people-create-units');
  await page.check('#people-write');
  await Promise.all([page.waitForLoadState('load'), page.click('#people-submit')]);
  assert.match(await page.locator('#people-written').innerText(), /^2 people added, 0 updated/);
  assert.match(await page.locator('#people-report').innerText(), /One new unit: .*East China 华东\/Key Accounts/);
  assert.equal(await page.locator('#people-passwords tbody tr').count(), 2);
  await page.screenshot({ path: join(artifacts, 'people-import.png'), fullPage: true });
  // Someone who reloads the people page sees no password again.
  await page.goto(server.baseUrl + '/people/import');
  assert.equal(await page.locator('#people-passwords').count(), 0);
  await page.goto(server.baseUrl + '/org');
  assert.match(await page.locator('#org-tree').innerText(), /Key Accounts\s+Team\s+2 people/);
  assert.deepEqual(problems.filter((p) => !p.includes('422')), []);
  await context.close();
});

test('the people page reads in Chinese on a phone, and is an administrator\'s only', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, server.baseUrl, admin().login, server.password);
  await page.goto(server.baseUrl + '/people/import');
  assert.equal(await page.locator('h1').innerText(), '导入人员');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await page.screenshot({ path: join(artifacts, 'people-import-zh-phone.png'), fullPage: true });
  await context.close();
  for (const role of ['sales_ops', 'manager', 'rep']) {
    const who = server.logins.find((l) => l.role === role);
    const { context: c, page: p } = await newPage(browser, 'en-US');
    await signIn(p, server.baseUrl, who.login, server.password);
    const denied = await p.goto(server.baseUrl + '/people/import');
    assert.equal(denied.status(), 403, role);
    await c.close();
  }
});
