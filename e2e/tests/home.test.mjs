// The home page, sign-in and error pages, as a person sees them in a browser.
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

test('an anonymous visitor is sent to the sign-in page and back afterwards', async () => {
  const { context, page, problems } = await newPage(browser);
  await page.goto(server.baseUrl + '/people');
  assert.match(page.url(), /\/login\?next=%2Fpeople$/);
  assert.equal(await page.locator('h1').innerText(), 'Sign in');
  await page.screenshot({ path: join(artifacts, 'login.png') });
  await page.fill('#login', 'ops');
  await page.fill('#password', server.password);
  await Promise.all([page.waitForURL(server.baseUrl + '/people'), page.click('#sign-in')]);
  assert.equal(await page.locator('h1').innerText(), 'People');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a wrong password is refused with a message and no session', async () => {
  const { context, page } = await newPage(browser);
  await page.goto(server.baseUrl + '/login');
  await page.fill('#login', 'ops');
  await page.fill('#password', 'not-the-password');
  await page.click('#sign-in');
  await page.waitForSelector('#login-error');
  assert.equal(await page.locator('#login-error').innerText(), 'The login or password is not correct.');
  const cookies = await context.cookies();
  assert.equal(cookies.filter((c) => c.name === 'attain_session').length, 0);
  await context.close();
});

test('the home page shows the demo company and its org units, never the database file', async () => {
  const { context, page, problems } = await newPage(browser);
  await signIn(page, server.baseUrl, 'ops', server.password);
  assert.match(await page.locator('h1').innerText(), /Huaxia Instruments/);
  assert.doesNotMatch(await page.locator('main').innerText(), /demo\.db|\/tmp\//);
  assert.equal(await page.locator('#setup').count(), 0, 'a company with data gets no walkthrough');
  assert.equal(await page.locator('#unit-count').innerText(), '10 units');
  assert.match(await page.locator('#people-summary').innerText(), /^\d+ people · 3 regions · 6 teams$/);
  assert.match(await page.locator('#fiscal-quarter').innerText(), /^FY\d{4}-Q[1-4]$/);
  const rows = page.locator('#org-units tbody tr');
  assert.equal(await rows.count(), 9);
  assert.match(await rows.first().innerText(), /East China 华东/);
  const display = await page.locator('.cards').evaluate((el) => getComputedStyle(el).display);
  assert.equal(display, 'grid', 'the stylesheet loaded');
  await page.screenshot({ path: join(artifacts, 'home.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('an unknown address shows a friendly page with a way back', async () => {
  const { context, page } = await newPage(browser);
  const response = await page.goto(server.baseUrl + '/no/such/page');
  assert.equal(response.status(), 404);
  assert.equal(await page.locator('h1').innerText(), 'Page not found');
  await signIn(page, server.baseUrl, 'ops', server.password);
  await page.goto(server.baseUrl + '/no/such/page');
  await page.locator('a', { hasText: 'Back to the home page' }).click();
  await page.waitForURL(server.baseUrl + '/');
  assert.match(await page.locator('h1').innerText(), /Huaxia Instruments/);
  await page.screenshot({ path: join(artifacts, 'not-found.png') });
  await context.close();
});
