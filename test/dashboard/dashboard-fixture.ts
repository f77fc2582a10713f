/**
 * The browser tests' world: the dashboard built from the current source, a real SQLite ledger
 * filled by the real SDK clients (wrapped) against the wire server and by `logCall`, the ledger
 * server on a free loopback port, and Debian's Chromium driven by playwright-core.
 *
 * Every page opened through `openPage` is watched: a console error, an uncaught exception, a dialog,
 * a Content-Security-Policy violation or a request to any other origin is recorded (and the
 * request refused), and `expectClean` fails the test on any of them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { demoClients } from '../../src/cli/demo/demo-clients.js';
import { loadSdks } from '../../src/cli/demo/load-sdks.js';
import { recordSdkCalls } from '../../src/cli/demo/sdk-calls.js';
import { createLedger, silentLogger, type CreatedLedger } from '../../src/index.js';
import { createLedgerServer, type LedgerServer } from '../../src/server/index.js';
import { startWireServer } from '../../src/testing/index.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), 'test-output', 'screenshots');

export interface DashboardWorld {
  ledger: CreatedLedger;
  baseUrl: string;
  browser: Browser;
  /** The trace the demo's RAG pipeline recorded (a root with children). */
  demoTraceId: string;
  close(): Promise<void>;
}

let built: string | undefined;

/** Builds the dashboard from the current source into a temporary folder, once per test file. */
export function buildDashboard(): string {
  if (built) return built;
  const out = mkdtempSync(join(tmpdir(), 'llm-ledger-dashboard-'));
  execFileSync(process.execPath, ['scripts/build-dashboard.mjs', '--out', out], { stdio: 'pipe' });
  built = out;
  return out;
}

export interface WorldOptions {
  /** Budgets on a memory meter (default true). */
  meter?: boolean;
}

export async function startWorld(
  seed?: (ledger: CreatedLedger) => Promise<void>,
  options: WorldOptions = {},
): Promise<DashboardWorld> {
  const metered = options.meter ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'llm-ledger-dashboard-db-'));
  // A meter with budgets and a performance monitor, so the Budgets and Alerts pages have something to show.
  const ledger = createLedger({
    store: join(dir, 'ledger.db'),
    configFile: false,
    logger: silentLogger,
    meter: metered ? 'memory' : false,
    monitor: { minSamples: 5, thresholds: { callCost: '0.05' } },
  });
  if (metered) setLimits(ledger);
  const wire = await startWireServer();
  let demoTraceId: string;
  try {
    const sdks = await loadSdks();
    if (!sdks.ok) throw new Error(`the browser tests need ${sdks.missing} (a devDependency)`);
    demoTraceId = await recordSdkCalls(ledger, demoClients(ledger, sdks.sdks, wire, {}));
  } finally {
    await wire.close();
  }
  if (seed) await seed(ledger);
  await ledger.flush();
  const handler: LedgerServer = createLedgerServer(ledger, { dashboardDir: buildDashboard() });
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: handler, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  const port = (server.address() as AddressInfo).port;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    ledger,
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    demoTraceId,
    async close() {
      await browser.close();
      handler.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function setLimits(ledger: CreatedLedger): void {
  ledger.limits!.set({ subject: 'tenant:acme', period: 'day', maxCost: '0.05', mode: 'soft' });
  ledger.limits!.set({ subject: 'user:*', period: 'month', maxCost: '25.00', mode: 'hard' });
  ledger.limits!.set({
    subject: 'tenant:globex',
    period: 'month',
    maxTokens: 2_000_000,
    maxRequests: 10_000,
    mode: 'hard',
  });
  ledger.limits!.setRate({ subject: 'user:*', requestsPerMinute: 600, tokensPerMinute: 1_000_000 });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  problems: string[];
  /** Fails the test on any console error, page error, dialog, CSP violation or foreign request. */
  expectClean(): Promise<void>;
  close(): Promise<void>;
}

export async function openPage(world: DashboardWorld): Promise<WatchedPage> {
  const context = await world.browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  const origin = new URL(world.baseUrl).origin;
  // Anything not to the server's own origin is refused and recorded (data: URLs included: nothing should make them).
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    problems.push(`request to another origin: ${url.slice(0, 200)}`);
    return route.abort('blockedbyclient');
  });
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`)) problems.push(`request: ${url.slice(0, 200)}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text().slice(0, 300)}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message.slice(0, 300)}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog (${dialog.type()}): ${dialog.message().slice(0, 200)}`);
    void dialog.dismiss();
  });
  // Runs outside the page's CSP (an init script is the browser's, not the page's).
  await page.addInitScript({
    content: `window.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__violations.push(event.violatedDirective + ': ' + event.blockedURI);
      });`,
  });
  return {
    page,
    context,
    problems,
    async expectClean() {
      const violations = await page.evaluate<string[]>('window.__violations');
      const executed = await page.evaluate<unknown>('window.__pwned');
      expect([...problems, ...violations.map((line) => `CSP violation: ${line}`)]).toEqual([]);
      expect(executed).toBeUndefined();
    },
    close: () => context.close(),
  };
}

/** A full-page screenshot under test-output/screenshots/ (gitignored), for people to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Navigates by changing the hash, as a click on a link would, and waits for `selector`. */
export async function go(page: Page, baseUrl: string, hash: string, selector: string): Promise<void> {
  await page.goto(`${baseUrl}/${hash}`);
  await page.waitForSelector(selector);
}
