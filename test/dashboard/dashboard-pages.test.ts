import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sumDecimalStrings } from '../../src/core/money.js';
import type { CallRecord } from '../../src/index.js';
import { go, openPage, screenshot, startWorld, type DashboardWorld } from './dashboard-fixture.js';
import { seedHistory } from './dashboard-seed.js';

/** What the dashboard shows for an exact amount in USD: "$1,234.5" becomes "$1,234.50". */
function dollars(amount: string): string {
  const [whole = '0', fraction = ''] = amount.split('.');
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction.padEnd(2, '0')}`;
}

let world: DashboardWorld;
let all: CallRecord[];

beforeAll(async () => {
  world = await startWorld((ledger) => seedHistory(ledger));
  all = (await world.ledger.calls.list({ limit: 1000, order: 'desc' })).records;
}, 90_000);
afterAll(async () => world?.close());

async function stat(page: import('playwright-core').Page, label: string): Promise<string> {
  return (await page.locator(`[data-stat="${label}"]`).textContent())?.trim() ?? '';
}

describe('dashboard pages in Chromium', () => {
  it('overview shows the store totals, the chart and the top lists, with no console error', async () => {
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, '#/overview?range=30d', '.chart canvas');
    const [total] = await world.ledger.usage.summary({ from: new Date(Date.now() - 30 * 86_400_000) });
    await expect.poll(() => stat(page, 'Calls')).toBe(total!.calls.toLocaleString('en-US'));
    expect(await stat(page, 'Cost')).toBe(dollars(total!.cost));
    expect(await stat(page, 'Errors')).toBe(String(total!.errors));
    expect(await stat(page, 'Unpriced calls')).toBe(String(total!.unpricedCalls));
    await expect.poll(() => page.locator('.card:has-text("Top models") tbody tr').count()).toBeGreaterThan(3);
    const tenants = await world.ledger.usage.summary({
      groupBy: ['tenant'],
      from: new Date(Date.now() - 30 * 86_400_000),
    });
    await expect.poll(() => page.locator('.card:has-text("Tenants") tbody tr').count()).toBe(tenants.length);
    await page.waitForTimeout(200);
    await screenshot(page, 'overview');
    await watched.expectClean();
    await watched.close();
  });

  it('overview asks the server for the top 10 users, tenants and models by cost, in its order', async () => {
    const watched = await openPage(world);
    const { page } = watched;
    const asked: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/api/v1/usage/summary')) asked.push(request.url());
    });
    await go(page, world.baseUrl, '#/overview?range=30d', '.chart canvas');
    const top = await world.ledger.usage.summary({
      groupBy: ['user'],
      from: new Date(Date.now() - 30 * 86_400_000),
      top: { by: 'cost', limit: 10 },
    });
    const users = page.locator('.card:has-text("Users") tbody tr td:first-child');
    await expect.poll(() => users.count()).toBe(top.length);
    expect(await users.allTextContents()).toEqual(top.map((row) => row.group.user ?? '(none)'));
    for (const key of ['user', 'tenant', 'model']) {
      const url = asked.map((text) => new URL(text)).find((candidate) => candidate.searchParams.get('groupBy') === key);
      expect(url?.searchParams.get('top'), key).toBe('10');
      expect(url?.searchParams.get('rankBy'), key).toBe('cost');
    }
    await watched.expectClean();
    await watched.close();
  });

  it('filters change the figures, live in the URL, and Back undoes them', async () => {
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, '#/overview?range=30d', '[data-stat="Calls"]');
    const everything = all.length.toLocaleString('en-US');
    await expect.poll(() => stat(page, 'Calls')).toBe(everything);

    await page.selectOption('.filters label:has-text("Status") select', 'error');
    await expect.poll(() => page.evaluate<string>('location.hash')).toContain('status=error');
    const errors = all.filter((record) => record.status === 'error');
    await expect.poll(() => stat(page, 'Calls')).toBe(String(errors.length));
    expect(await stat(page, 'Cost')).toBe(dollars(sumDecimalStrings(errors.map((record) => record.cost?.total))));

    await page.fill('.filters input[name="tenant"]', 'globex');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate<string>('location.hash')).toContain('tenant=globex');
    const globexErrors = errors.filter((record) => record.tenantId === 'globex');
    await expect.poll(() => stat(page, 'Calls')).toBe(String(globexErrors.length));

    await page.goBack();
    await expect.poll(() => stat(page, 'Calls')).toBe(String(errors.length));
    await page.goBack();
    await expect.poll(() => stat(page, 'Calls')).toBe(everything);
    await watched.expectClean();
    await watched.close();
  });

  it('breakdown by two keys: the totals row is the exact sum of the rows and matches the store', async () => {
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, '#/breakdown?range=30d&by=model&by2=tenant', '#breakdown-table tfoot');
    const rows = await world.ledger.usage.summary({
      groupBy: ['model', 'tenant'],
      from: new Date(Date.now() - 30 * 86_400_000),
    });
    await expect.poll(() => page.locator('#breakdown-table tbody tr').count()).toBe(rows.length);
    const shown = await page
      .locator('#breakdown-table tbody td[data-cost]')
      .evaluateAll((cells) => cells.map((cell) => cell.getAttribute('data-cost') ?? ''));
    const total = sumDecimalStrings(rows.map((row) => row.cost));
    expect(sumDecimalStrings(shown)).toBe(total);
    expect(await page.locator('#breakdown-table tfoot [data-total="cost"]').getAttribute('data-cost')).toBe(total);
    expect(await page.locator('#breakdown-table tfoot [data-total="cost"]').textContent()).toBe(dollars(total));
    expect(await page.locator('#breakdown-table tfoot [data-total="calls"]').textContent()).toBe(
      rows.reduce((sum, row) => sum + row.calls, 0).toLocaleString('en-US'),
    );
    await screenshot(page, 'breakdown');

    // Changing the grouping through the form changes the table.
    await page.selectOption('.filters label:has-text("Then by") select', '');
    const byModel = await world.ledger.usage.summary({
      groupBy: ['model'],
      from: new Date(Date.now() - 30 * 86_400_000),
    });
    await expect.poll(() => page.locator('#breakdown-table tbody tr').count()).toBe(byModel.length);
    await watched.expectClean();
    await watched.close();
  });

  it('calls: a filtered table with keyset paging through the URL', async () => {
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, '#/calls?range=30d', '#calls-table tbody tr');
    const firstPage = await page
      .locator('#calls-table tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-call-id')));
    expect(firstPage).toHaveLength(50);
    expect(firstPage).toEqual(all.slice(0, 50).map((record) => record.id));
    await screenshot(page, 'calls');
    await page.click('a[rel="next"]');
    await expect.poll(() => page.evaluate<string>('location.hash')).toContain('cursor=');
    await expect
      .poll(async () => page.locator('#calls-table tbody tr').first().getAttribute('data-call-id'))
      .toBe(all[50]!.id);
    expect(await page.locator('#calls-table tbody tr').count()).toBe(all.length - 50);
    await page.goBack();
    await expect
      .poll(async () => page.locator('#calls-table tbody tr').first().getAttribute('data-call-id'))
      .toBe(all[0]!.id);

    await go(page, world.baseUrl, '#/calls?range=30d&model=gpt-4o-mini&user=alice', '#calls-table tbody tr');
    const expected = all.filter((record) => record.model === 'gpt-4o-mini' && record.userId === 'alice');
    await expect.poll(() => page.locator('#calls-table tbody tr').count()).toBe(expected.length);
    await watched.expectClean();
    await watched.close();
  });

  it("a call's detail shows its messages, tool calls, tokens, cost and price version", async () => {
    const withTool = all.find((record) => (record.responseMessage?.toolCalls?.length ?? 0) > 0);
    expect(withTool, 'the demo records a tool call').toBeDefined();
    const record = withTool!;
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, `#/calls/${record.id}`, '#messages');
    const messages = await page.locator('#messages').textContent();
    for (const message of record.messages as { content?: unknown }[]) {
      if (typeof message.content === 'string') expect(messages).toContain(message.content);
    }
    const toolCalls = await page.locator('#tool-calls').textContent();
    for (const call of record.responseMessage!.toolCalls!) {
      expect(toolCalls).toContain(call.function!.name);
      expect(toolCalls).toContain(call.function!.arguments);
    }
    if (record.cost?.total) {
      expect(await page.locator('#cost-table [data-cost]').getAttribute('data-cost')).toBe(record.cost.total);
      expect(await page.locator('.card:has-text("Cost")').textContent()).toContain(record.cost.pricingVersion!);
    }
    expect(await page.locator('#tokens-table').textContent()).toContain(record.tokens.input.toLocaleString('en-US'));
    await screenshot(page, 'call-detail');

    // A failed call shows its error and HTTP status.
    const failed = all.find((entry) => entry.status === 'error' && entry.httpStatus !== null)!;
    await go(page, world.baseUrl, `#/calls/${failed.id}`, '#messages');
    // '#messages' is already on the page from the previous call: wait for this call's outcome.
    const outcome = () => page.locator('.card:has-text("Outcome")').textContent();
    await expect.poll(outcome).toContain(String(failed.httpStatus));
    expect(await outcome()).toContain(failed.errorMessage!.slice(0, 40));
    await watched.expectClean();
    await watched.close();
  });

  it('the trace tree matches the store: every call, its parent, its cost, and the total', async () => {
    const records = await world.ledger.calls.byTrace(world.demoTraceId);
    expect(records.length).toBeGreaterThan(2);
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, `#/traces/${world.demoTraceId}`, '#trace-tree tbody tr');
    const rows = await page.locator('#trace-tree tbody tr').evaluateAll((elements) =>
      elements.map((row) => ({
        id: row.getAttribute('data-call-id'),
        parent: row.getAttribute('data-parent-id'),
        depth: Number(row.getAttribute('data-depth')),
      })),
    );
    expect(rows.map((row) => row.id).sort()).toEqual(records.map((record) => record.id).sort());
    const byId = new Map(records.map((record) => [record.id, record]));
    for (const [position, row] of rows.entries()) {
      const record = byId.get(row.id!)!;
      expect(row.parent).toBe(record.parentId ?? '');
      if (record.parentId) {
        // A child comes after its parent, one level deeper.
        const parentAt = rows.findIndex((other) => other.id === record.parentId);
        expect(parentAt).toBeLessThan(position);
        expect(row.depth).toBe(rows[parentAt]!.depth + 1);
      } else expect(row.depth).toBe(0);
    }
    const total = sumDecimalStrings(records.map((record) => record.cost?.total));
    expect(await page.locator('#trace-tree tfoot [data-total="cost"]').textContent()).toBe(dollars(total));
    await screenshot(page, 'trace');
    await watched.expectClean();
    await watched.close();
  });

  it('the live tail shows a call recorded after the page opened', async () => {
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, '#/live', '#live-status');
    await expect.poll(() => page.locator('#live-status').textContent()).toContain('Connected');
    let id = '';
    await world.ledger.logCall(
      { model: 'gpt-4o-mini', provider: 'openai', userId: 'live-user', tenantId: 'acme' },
      (call) => {
        id = call.id;
        call.complete({ responseMessage: 'fresh', tokens: { input: 12, output: 3 } });
      },
    );
    await world.ledger.flush();
    await page.waitForSelector(`#live-table tr[data-call-id="${id}"]`, { timeout: 10_000 });
    expect(await page.locator(`#live-table tr[data-call-id="${id}"]`).textContent()).toContain('live-user');
    await screenshot(page, 'live');
    await watched.expectClean();
    await watched.close();
  });

  it('budgets show each limit with used, reserved and remaining from the meter', async () => {
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, '#/budgets', '#budgets .budget');
    const acme = await world.ledger.meter!.get('tenant:acme', 'day');
    const card = page.locator('.budget[data-subject="tenant:acme"]');
    const text = await card.textContent();
    expect(text).toContain('$0.05');
    expect(text).toContain(dollars(acme.cost));
    expect(await page.locator('.budget').count()).toBe(3);
    expect(await page.locator('.budget[data-subject="tenant:globex"]').textContent()).toContain('2,000,000');
    await screenshot(page, 'budgets');
    await watched.expectClean();
    await watched.close();
  });

  it("alerts show the monitor's active alerts and a crossing raised after the page opened", async () => {
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, '#/alerts', '.card');
    await page.waitForSelector('text=Recent crossings');
    await world.ledger.logCall({ model: 'gpt-4.1', provider: 'openai', userId: 'big-spender' }, (call) => {
      call.complete({ responseMessage: 'a long answer', tokens: { input: 90_000, output: 20_000 } });
    });
    await world.ledger.flush();
    await expect
      .poll(() => page.locator('#recent-alerts').textContent(), { timeout: 10_000 })
      .toContain('high_cost_request');
    expect(await page.locator('#recent-alerts').textContent()).toContain('big-spender');
    // Reloading keeps it: the server remembers recent crossings, not just the open tail.
    await page.reload();
    await expect.poll(() => page.locator('#recent-alerts').textContent()).toContain('high_cost_request');
    await expect.poll(() => page.locator('#active-alerts').textContent()).toContain('high_cost_request:gpt-4.1');
    await screenshot(page, 'alerts');
    await watched.expectClean();
    await watched.close();
  });

  it('prices look a model up by the URL and by the keyboard', async () => {
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, '#/prices?model=gpt-4o-mini', '.prices-table');
    expect(await page.locator('.prices-table').textContent()).toContain('0.15');
    await screenshot(page, 'prices');
    await page.fill('input[name="model"]', 'no-such-model-xyz');
    await page.keyboard.press('Enter');
    await page.waitForSelector('text=Unknown model');
    expect(await page.evaluate<string>('location.hash')).toBe('#/prices?model=no-such-model-xyz');
    await watched.expectClean();
    await watched.close();
  });

  it('the pages are reachable with the keyboard alone', async () => {
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, '#/overview', '[data-stat="Calls"]');
    // Tab from the top: the skip link, the brand, then the page links in order.
    const labels: string[] = [];
    for (let step = 0; step < 10; step += 1) {
      await page.keyboard.press('Tab');
      labels.push((await page.evaluate<string>('document.activeElement.textContent')).trim());
    }
    expect(labels).toEqual(
      expect.arrayContaining(['Overview', 'Breakdown', 'Calls', 'Live tail', 'Budgets', 'Prices']),
    );
    while ((await page.evaluate<string>('document.activeElement.textContent')).trim() !== 'Calls') {
      await page.keyboard.press('Shift+Tab');
    }
    await page.keyboard.press('Enter');
    await page.waitForSelector('#calls-table');
    expect(await page.evaluate<string>('location.hash')).toMatch(/^#\/calls/);
    await watched.expectClean();
    await watched.close();
  });
});
