// Limits people meet in the browser: an upload over the server's limit is
// told the limit (never "sent from another site"), in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startServer, launchBrowser, artifacts, signIn, newPage } from '../lib/harness.mjs';

let server;
let browser;
let dir;

before(async () => {
  server = await startServer(['--upload-limit', '200KB']);
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'attain-limits-'));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a file over the upload limit gets a page that says the limit', async () => {
  const rep = server.logins.find((l) => l.role === 'rep');
  const lines = ['name,customer,owner,amount,stage,close_date'];
  for (let i = 0; lines.join('\n').length < 300_000; i++) {
    lines.push(`Big deal number ${i} with padding text,Customer ${i % 50},${rep.login},${1000 + i},Closed Won,2026-05-28`);
  }
  const file = join(dir, 'big.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  for (const [locale, expected, shot] of [['en-US', /larger than the upload limit of 200 KB/, 'import-too-large.png'], ['zh-CN', /超过了上传上限/, 'import-too-large-zh.png']]) {
    const { context, page, problems } = await newPage(browser, locale);
    await signIn(page, server.baseUrl, 'ops', server.password);
    await page.goto(server.baseUrl + '/import');
    await page.selectOption('#import-entity', 'deals');
    await page.selectOption('#import-preset', 'generic');
    await page.setInputFiles('#import-file', file);
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('#import-check')]);
    assert.equal(response.status(), 413);
    await page.waitForLoadState('load');
    const text = await page.locator('main').innerText();
    assert.match(text, expected);
    assert.doesNotMatch(text, /another site|其他网站/);
    await page.screenshot({ path: join(artifacts, shot), fullPage: true });
    assert.deepEqual(problems.filter((p) => !/413/.test(p)), []);
    await context.close();
  }
});
