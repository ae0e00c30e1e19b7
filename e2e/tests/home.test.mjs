// The home page and error pages, as a person sees them in a browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, watchConsole, artifacts } from '../lib/harness.mjs';

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

test('the home page shows the demo company, its database and its org units', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = watchConsole(page);
  const response = await page.goto(server.baseUrl + '/');
  assert.equal(response.status(), 200);
  assert.match(await page.locator('h1').innerText(), /Huaxia Instruments/);
  assert.equal(await page.locator('#backend').innerText(), 'SQLite');
  assert.match(await page.locator('#database').innerText(), /demo\.db$/);
  assert.equal(await page.locator('#unit-count').innerText(), '14');
  assert.equal(await page.locator('#user-count').innerText(), '70');
  assert.match(await page.locator('#fiscal-quarter').innerText(), /^FY\d{4}-Q[1-4]$/);
  const rows = page.locator('#org-units tbody tr');
  assert.equal(await rows.count(), 13);
  assert.match(await rows.first().innerText(), /East China 华东/);
  // The stylesheet loaded: cards are laid out as a grid, not unstyled blocks.
  const display = await page.locator('.cards').evaluate((el) => getComputedStyle(el).display);
  assert.equal(display, 'grid');
  await page.screenshot({ path: join(artifacts, 'home.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test('an unknown address shows a friendly page with a way back', async () => {
  const page = await browser.newPage();
  const response = await page.goto(server.baseUrl + '/no/such/page');
  assert.equal(response.status(), 404);
  assert.equal(await page.locator('h1').innerText(), 'Page not found');
  await page.locator('a', { hasText: 'Back to the home page' }).click();
  await page.waitForURL(server.baseUrl + '/');
  assert.match(await page.locator('h1').innerText(), /Huaxia Instruments/);
  await page.screenshot({ path: join(artifacts, 'not-found.png') });
  await page.close();
});
