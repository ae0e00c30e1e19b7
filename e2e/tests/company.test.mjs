// A whole company as one zip on the Import page: checked, a bad file
// stopping every file, then written in one transaction with its new people's
// passwords shown once; in Chinese on a phone; reps may not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
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

/** A zip (stored, no compression) of `files`: [name, text] pairs. */
function zipOf(files) {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const [name, text] of files) {
    const nameBytes = Buffer.from(name);
    const data = Buffer.from(text);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names in UTF-8
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    locals.push(local, nameBytes, data);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

const people = 'login,name,role,unit,manager\n'
  + 'lea.wang,Lea Wang 王乐,manager,East China 华东/New Accounts,\n'
  + 'tom.li,Tom Li 李通,rep,East China 华东/New Accounts,lea.wang\n';
const customers = 'external_id,name,owner,status,created\nNEW-1,Nova Labs 新星实验室,tom.li,active,2026-01-05\n';
const deals = 'external_id,name,customer_external_id,owner,amount,currency,stage,close_date\n'
  + 'NEW-D1,Nova pilot,NEW-1,tom.li,88000,CNY,Closed Won,2026-05-20\n';
const zip = (files) => ({ name: 'company.zip', mimeType: 'application/zip', buffer: zipOf(files) });

test('an administrator checks, then imports, a whole company in one zip', async () => {
  const { context, page, problems } = await newPage(browser, 'en-US');
  await signIn(page, server.baseUrl, admin().login, server.password);
  await page.goto(server.baseUrl + '/import');
  await Promise.all([page.waitForLoadState('load'), page.click('#import-company-link')]);
  assert.equal(await page.locator('h1').innerText(), 'Import a whole company');

  const good = [['co/deals.csv', deals], ['co/customers.csv', customers], ['co/people.csv', people]];
  await page.setInputFiles('#company-file', zip(good));
  await page.check('#company-create-units');
  await Promise.all([page.waitForLoadState('load'), page.click('#company-submit')]);
  assert.match(await page.locator('#company-checked').innerText(), /All 3 files are valid/);
  const order = await page.locator('#company-files li').allInnerTexts();
  assert.deepEqual(order.map((l) => l.split(':')[0]), ['people.csv', 'customers.csv', 'deals.csv']);

  // A deal of an owner nobody has stops every file.
  const bad = [...good.slice(1), ['co/people.csv', people], ['co/orders.csv', 'number,order_date,customer_external_id,owner,amount\nNEW-O1,2026-05-21,NEW-1,nobody.here,10\n']];
  await page.setInputFiles('#company-file', zip(bad));
  await page.check('#company-create-units');
  await page.check('#company-write');
  await Promise.all([page.waitForLoadState('load'), page.click('#company-submit')]);
  assert.match(await page.locator('#company-error').innerText(), /orders\.csv has problems: nothing was imported/);
  assert.match(await page.locator('#company-problems tbody').innerText(), /orders\.csv/);

  await page.setInputFiles('#company-file', zip(good));
  await page.check('#company-create-units');
  await page.check('#company-write');
  await Promise.all([page.waitForLoadState('load'), page.click('#company-submit')]);
  assert.match(await page.locator('#company-written').innerText(), /3 files imported in one transaction/);
  assert.equal(await page.locator('#company-passwords tbody tr').count(), 2);
  await page.screenshot({ path: join(artifacts, 'company-import.png'), fullPage: true });
  await page.goto(server.baseUrl + '/company/import');
  assert.equal(await page.locator('#company-passwords').count(), 0, 'passwords are shown once');
  assert.deepEqual(problems.filter((p) => !p.includes('422')), []);
  await context.close();
});

test('the company page reads in Chinese on a phone, and reps may not use it', async () => {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await signIn(page, server.baseUrl, admin().login, server.password);
  await page.goto(server.baseUrl + '/company/import');
  assert.equal(await page.locator('h1').innerText(), '导入整个公司');
  await page.setInputFiles('#company-file', zip([['co/customers.csv', customers.replace('tom.li', 'nobody.here')]]));
  await Promise.all([page.waitForLoadState('load'), page.click('#company-submit')]);
  assert.match(await page.locator('#company-error').innerText(), /customers\.csv 有问题：未导入任何内容/);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await page.screenshot({ path: join(artifacts, 'company-import-zh-phone.png'), fullPage: true });
  await context.close();
  const rep = server.logins.find((l) => l.role === 'rep');
  const { context: c, page: p } = await newPage(browser, 'en-US');
  await signIn(p, server.baseUrl, rep.login, server.password);
  const denied = await p.goto(server.baseUrl + '/company/import');
  assert.equal(denied.status(), 403);
  await c.close();
});
