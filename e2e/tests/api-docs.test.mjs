// The API reference page: every operation of the OpenAPI document, grouped
// and readable, in English and in Chinese, on a laptop and on a phone; the
// document itself is served from the binary, with no CDN.
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

const who = (role) => server.logins.find((l) => l.role === role);

test('the API reference lists every operation of the document, from the account page', async () => {
  const doc = await (await fetch(server.baseUrl + '/api/v1/openapi.json')).json();
  assert.match(doc.openapi, /^3\.1/);
  let operations = 0;
  for (const item of Object.values(doc.paths)) {
    operations += ['get', 'post', 'put', 'delete', 'patch'].filter((m) => item[m]).length;
  }
  const { context, page, problems } = await newPage(browser, 'en-US');
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await signIn(page, server.baseUrl, who('rep').login, server.password);
  await page.goto(server.baseUrl + '/account');
  await Promise.all([page.waitForURL('**/api/docs'), page.click('#api-docs-link')]);
  await page.waitForLoadState('load');
  assert.equal(await page.locator('h1').innerText(), 'API reference');
  assert.equal(await page.locator('details.api-op').count(), operations);
  assert.match(await page.locator('#api-docs-intro').innerText(), new RegExp(`^${operations} operations under /api/v1`));
  // An operation opens to its parameters and the fields of its answer.
  const deals = page.locator('#op-list_deals');
  await deals.locator('summary').click();
  assert.match(await deals.innerText(), /GET\s+\/api\/v1\/deals/);
  assert.match(await deals.innerText(), /expected_close_on\s*\*?\s*string \(date\)/);
  assert.match(await deals.innerText(), /4XX/);
  await page.locator('#op-write_orders summary').click();
  assert.match(await page.locator('#op-write_orders').innerText(), /order_date/);
  await page.screenshot({ path: join(artifacts, 'api-docs.png'), fullPage: false });
  // Nothing but Attain itself is asked for.
  assert.deepEqual(requests.filter((u) => !u.startsWith(server.baseUrl)), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the API reference reads in Chinese on a phone without overflowing it', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, server.baseUrl, who('manager').login, server.password);
  await page.goto(server.baseUrl + '/api/docs');
  assert.equal(await page.locator('h1').innerText(), 'API 参考');
  await page.locator('#op-list_goals summary').click();
  await page.locator('#op-write_deals summary').click();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await page.locator('#op-list_goals').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(artifacts, 'api-docs-zh-phone.png'), fullPage: false });
  await context.close();
  // Someone not signed in is sent to sign in; the document stays public.
  const anonymous = await fetch(server.baseUrl + '/api/docs', { redirect: 'manual' });
  assert.ok([302, 303, 401].includes(anonymous.status), `${anonymous.status}`);
});
