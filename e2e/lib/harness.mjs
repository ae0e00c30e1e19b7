// Shared harness for the browser tests: start a real `attain demo` server on
// a free port over a throw-away SQLite file, and a headless Debian chromium.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const artifacts = join(repoRoot, 'e2e', 'artifacts');
const binary = process.env.ATTAIN_BIN ?? join(repoRoot, 'target', 'debug', 'attain');

/** Starts `attain demo` (with any extra flags of `serve`) and resolves once it prints the address it serves. */
export async function startServer(extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'attain-e2e-'));
  const child = spawn(binary, ['--db', join(dir, 'demo.db'), 'demo', '--bind', '127.0.0.1:0', '--scale', 'small', '--as-of', '2026-06-30', ...extraArgs], {
    cwd: dir,
    env: { ...process.env, ATTAIN_LOG: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  let out = '';
  const baseUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`attain did not start in 60 s: ${stderr}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/at (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`attain exited with ${code}: ${stderr}`)); });
  });
  const password = out.match(/password for all: (\S+)\)/)?.[1];
  if (!password) throw new Error(`attain demo printed no password: ${out}`);
  const logins = [...out.matchAll(/^  (\S+)\s+.*\((\w+)\)$/gm)].map((m) => ({ login: m[1], role: m[2] }));
  return {
    baseUrl,
    password,
    logins,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Launches Debian's chromium headless, with the flags this workplace needs. */
export async function launchBrowser() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Collects console errors and CSP violations so a test can assert there were none. */
export function watchConsole(page) {
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  page.on('pageerror', (err) => problems.push(String(err)));
  return problems;
}

/** Signs in through the login form and waits for the home page. */
export async function signIn(page, baseUrl, login, password) {
  await page.goto(baseUrl + '/login');
  await page.fill('#login', login);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.click('#sign-in')]);
}

/** A fresh browser context (own cookies) speaking the given language. */
export async function newPage(browser, locale = 'en-US') {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  return { context, page, problems: watchConsole(page) };
}
