// Drives Paddock's big-screen page in Debian's headless Chromium through npm's playwright-core
// (tests/integration/test_screen.py). Usage:
//   node screen_peer.mjs <page url> <artifact dir> <name> <expected status regex>
// Prints JSON lines: {"event":"qr","path":...} once the QR image has loaded (an element
// screenshot of it, for zbarimg), then {"event":"status","text":...,"waited_ms":...} when the
// status region matches, then {"event":"checks",...} and {"event":"done"}. Every wait is
// bounded; any failure prints {"event":"error"} and exits 1.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [url, outDir, name, expected] = process.argv.slice(2);
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'paddock-chromium-'));
let browser;
try {
  // A fresh profile directory is the user data dir (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    timeout: 30000,
    viewport: { width: 1920, height: 1080 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = browser.pages()[0] || await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
  await page.goto(url, { timeout: 15000 });
  await page.waitForFunction(() => {
    const img = document.getElementById('qr');
    return img && img.complete && img.naturalWidth > 0 && !document.getElementById('link').hidden;
  }, null, { timeout: 15000 });
  // The waiting screen at both sizes, before anyone acts on it.
  const fits = () => page.evaluate(() =>
    document.documentElement.scrollWidth <= window.innerWidth &&
    document.documentElement.scrollHeight <= window.innerHeight);
  await page.screenshot({ path: path.join(outDir, `${name}-waiting-1920x1080.png`) });
  const waitingFits = [await fits()];
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.screenshot({ path: path.join(outDir, `${name}-waiting-1280x720.png`) });
  waitingFits.push(await fits());
  await page.setViewportSize({ width: 1920, height: 1080 });
  const qrPath = path.join(outDir, `${name}-qr.png`);
  await page.locator('#qr').screenshot({ path: qrPath, timeout: 10000 });
  say({ event: 'qr', path: qrPath, waiting_fits: waitingFits });
  const started = Date.now();
  await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('status').textContent),
                             expected, { timeout: 10000, polling: 50 });
  const text = await page.locator('#status').textContent();
  say({ event: 'status', text, waited_ms: Date.now() - started });
  await page.screenshot({ path: path.join(outDir, `${name}-1920x1080.png`) });
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.screenshot({ path: path.join(outDir, `${name}-1280x720.png`) });
  // Accessibility basics the page promises: a heading, a live status region, the QR's text
  // alternative, a language, and nothing wider than a 1280x720 car display.
  const checks = await page.evaluate(() => ({
    lang: document.documentElement.lang,
    h1: document.querySelector('h1')?.textContent || '',
    status_role: document.getElementById('status').getAttribute('role'),
    status_live: document.getElementById('status').getAttribute('aria-live'),
    qr_alt: document.getElementById('qr').alt,
    qr_visible: !document.getElementById('link').hidden &&
                document.getElementById('link').getBoundingClientRect().height > 0,
    messages: [...document.querySelectorAll('#messages li')].map((li) => li.textContent),
    overflow_x: document.documentElement.scrollWidth > window.innerWidth,
    overflow_y: document.documentElement.scrollHeight > window.innerHeight,
  }));
  say({ event: 'checks', ...checks, problems });
  say({ event: 'done' });
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
} catch (e) {
  say({ event: 'error', message: String(e && e.stack || e) });
  if (browser) await browser.close().catch(() => {});
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(1);
}
