// People and access in a real browser: languages, roles, tokens, sign-out.
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

test('the interface switches between English and 中文 throughout', async () => {
  const { context, page, problems } = await newPage(browser, 'en-US');
  await signIn(page, server.baseUrl, 'ops', server.password);
  assert.equal(await page.locator('nav.menu a').first().innerText(), 'Home');
  await Promise.all([page.waitForLoadState('load'), page.click('button[value="zh-CN"]')]);
  await page.waitForSelector('html[lang="zh-CN"]');
  assert.equal(await page.locator('nav.menu a').first().innerText(), '首页');
  assert.match(await page.locator('#unit-count').innerText(), /^10 个组织单元$/);
  assert.match(await page.locator('.cards').innerText(), /本位币 CNY/);
  await page.screenshot({ path: join(artifacts, 'home-zh.png'), fullPage: true });
  for (const [path, heading] of [['/people', '人员'], ['/audit', '审计日志'], ['/account', '我的账户'], ['/account/password', '修改密码']]) {
    await page.goto(server.baseUrl + path);
    assert.equal(await page.locator('h1').innerText(), heading, path);
  }
  await page.screenshot({ path: join(artifacts, 'password-zh.png') });
  // The choice is the person's preference: a new browser signs in in Chinese.
  const second = await newPage(browser, 'en-US');
  await signIn(second.page, server.baseUrl, 'ops', server.password);
  assert.equal(await second.page.locator('nav.menu a').first().innerText(), '首页');
  await Promise.all([second.page.waitForLoadState('load'), second.page.click('button[value="en"]')]);
  await second.page.waitForSelector('html[lang="en"]');
  assert.equal(await second.page.locator('nav.menu a').first().innerText(), 'Home');
  await second.context.close();
  assert.deepEqual(problems, []);
  await context.close();
});

test('a Chinese browser gets the sign-in page in Chinese', async () => {
  const { context, page } = await newPage(browser, 'zh-CN');
  await page.goto(server.baseUrl + '/login');
  assert.equal(await page.locator('h1').innerText(), '登录');
  await page.screenshot({ path: join(artifacts, 'login-zh.png') });
  await context.close();
});

test('sales ops reads the audit log; a rep sees only himself and no admin pages', async () => {
  const ops = await newPage(browser);
  await signIn(ops.page, server.baseUrl, 'ops', server.password);
  await ops.page.goto(server.baseUrl + '/audit');
  assert.equal(await ops.page.locator('h1').innerText(), 'Audit log');
  assert.ok(await ops.page.locator('#audit tbody tr').count() > 0);
  await ops.page.screenshot({ path: join(artifacts, 'audit.png') });
  await ops.context.close();

  const rep = server.logins.find((l) => l.role === 'rep');
  const r = await newPage(browser);
  await signIn(r.page, server.baseUrl, rep.login, server.password);
  assert.equal(await r.page.locator('nav.menu a', { hasText: 'Audit log' }).count(), 0);
  assert.equal(await r.page.locator('nav.menu a', { hasText: 'Users' }).count(), 0);
  await r.page.goto(server.baseUrl + '/people');
  assert.equal(await r.page.locator('#people tbody tr').count(), 1);
  assert.match(await r.page.locator('#people tbody tr').innerText(), new RegExp(rep.login.replace('.', '\\.')));
  const denied = await r.page.goto(server.baseUrl + '/audit');
  assert.equal(denied.status(), 403);
  assert.equal(await r.page.locator('h1').innerText(), 'Not allowed');
  await r.context.close();
});

test('a manager sees exactly his team', async () => {
  const manager = server.logins.filter((l) => l.role === 'manager')[1];
  const m = await newPage(browser);
  await signIn(m.page, server.baseUrl, manager.login, server.password);
  await m.page.goto(server.baseUrl + '/people');
  const rows = m.page.locator('#people tbody tr');
  const count = await rows.count();
  assert.ok(count >= 4 && count <= 8, `a team manager and his reps, not ${count} people`);
  const units = new Set(await m.page.locator('#people tbody tr td:nth-child(3)').allInnerTexts());
  assert.equal(units.size, 1, `one team only: ${[...units]}`);
  await m.page.screenshot({ path: join(artifacts, 'people-manager.png') });
  await m.context.close();
});

test('an admin adds a user who must then choose a password', async () => {
  const a = await newPage(browser);
  await signIn(a.page, server.baseUrl, 'admin', server.password);
  await a.page.goto(server.baseUrl + '/admin/users');
  await a.page.click('summary');
  await a.page.fill('#new-login', 'new.rep');
  await a.page.fill('#new-name', 'New Rep 新人');
  await a.page.selectOption('#new-role', 'rep');
  await a.page.click('#create-user');
  await a.page.waitForSelector('#one-time-password');
  const oneTime = (await a.page.locator('#one-time-password code').innerText()).trim();
  assert.equal(oneTime.length, 16);
  await a.page.screenshot({ path: join(artifacts, 'users.png') });
  await a.context.close();

  const n = await newPage(browser);
  await signIn(n.page, server.baseUrl, 'new.rep', oneTime);
  assert.match(n.page.url(), /\/account\/password$/);
  assert.ok(await n.page.locator('#must-change').isVisible());
  await n.page.goto(server.baseUrl + '/');
  assert.match(n.page.url(), /\/account\/password$/, 'nothing else until the password is changed');
  await n.page.fill('#current-password', oneTime);
  await n.page.fill('#new-password', 'My-own-secret-2026');
  await n.page.fill('#confirm-password', 'My-own-secret-2026');
  await Promise.all([n.page.waitForURL(/\/account\?done=password$/), n.page.click('#save-password')]);
  assert.ok(await n.page.locator('#notice').isVisible());
  await n.page.goto(server.baseUrl + '/');
  assert.match(await n.page.locator('h1').innerText(), /Huaxia/);
  await n.context.close();
});

test('an API token is shown once, works, and stops working when revoked', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server.baseUrl, 'ops', server.password);
  await page.goto(server.baseUrl + '/account');
  await page.fill('#token-name', 'browser test');
  await page.click('#create-token');
  await page.waitForSelector('#new-token');
  const token = (await page.locator('#new-token code').innerText()).trim();
  assert.match(token, /^atn_[0-9a-f]{64}$/);
  await page.screenshot({ path: join(artifacts, 'account-token.png'), fullPage: true });
  const me = await fetch(server.baseUrl + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).login, 'ops');
  await page.goto(server.baseUrl + '/account');
  assert.equal(await page.locator('#new-token').count(), 0, 'never shown again');
  await page.locator('#tokens button', { hasText: 'Revoke' }).first().click();
  await page.waitForURL(/done=revoked/);
  const after = await fetch(server.baseUrl + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(after.status, 401);
  await context.close();
});

test('signing out ends the session', async () => {
  const { context, page } = await newPage(browser);
  await signIn(page, server.baseUrl, 'ops', server.password);
  await Promise.all([page.waitForURL(/\/login\?signed_out=1$/), page.click('#sign-out')]);
  assert.equal(await page.locator('.notice').innerText(), 'You have signed out.');
  await page.goto(server.baseUrl + '/');
  assert.match(page.url(), /\/login/);
  await context.close();
});

test('tokens expire as chosen; changing one\'s password asks about them; an admin reset revokes them', async () => {
  const rep = server.logins.find((l) => l.role === 'rep');
  const { context, page, problems } = await newPage(browser, 'zh-CN');
  await signIn(page, server.baseUrl, rep.login, server.password);
  await page.goto(server.baseUrl + '/account');
  await page.fill('#token-name', 'CI 脚本');
  await page.selectOption('#token-expires', '30d');
  await page.click('#create-token');
  await page.waitForSelector('#new-token');
  const token = (await page.locator('#new-token code').innerText()).trim();
  const row = await page.locator('#tokens tbody tr').first().innerText();
  assert.match(row, /CI 脚本/);
  assert.match(row, /UTC/, `the expiry is shown: ${row}`);
  assert.match(row, /启用/);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(artifacts, 'account-tokens-zh-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  const ok = await fetch(server.baseUrl + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(ok.status, 200);
  // Changing the password asks; keeping the tokens keeps the script running.
  await page.goto(server.baseUrl + '/account/password');
  assert.match(await page.locator('#token-choice legend').innerText(), /1 个仍然有效的 API 令牌/);
  await page.screenshot({ path: join(artifacts, 'password-tokens-zh.png'), fullPage: true });
  await page.fill('#current-password', server.password);
  await page.fill('#new-password', 'Rep-own-secret-2026');
  await page.fill('#confirm-password', 'Rep-own-secret-2026');
  await Promise.all([page.waitForURL(/done=password/), page.click('#save-password')]);
  assert.equal((await fetch(server.baseUrl + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } })).status, 200);
  // An administrator's reset ends the token: the account may be someone else's.
  const a = await newPage(browser);
  await signIn(a.page, server.baseUrl, 'admin', server.password);
  await a.page.goto(server.baseUrl + '/admin/users');
  const userRow = a.page.locator('tr', { has: a.page.locator(`text=${rep.login}`) }).first();
  await Promise.all([a.page.waitForLoadState('load'), userRow.locator('form[action$="/password"] button').click()]);
  assert.match(await a.page.locator('#notice').innerText(), /API tokens revoked: 1/);
  await a.page.screenshot({ path: join(artifacts, 'users-reset.png'), fullPage: true });
  await a.context.close();
  assert.equal((await fetch(server.baseUrl + '/api/v1/me', { headers: { Authorization: `Bearer ${token}` } })).status, 401);
  assert.deepEqual(problems, []);
  await context.close();
});
