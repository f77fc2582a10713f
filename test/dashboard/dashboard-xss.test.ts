import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/index.js';
import { go, openPage, screenshot, startWorld, type DashboardWorld, type WatchedPage } from './dashboard-fixture.js';

/**
 * What models and users actually put into prompts, answers and arguments: markup that runs script,
 * links that do, markdown that fetches, terminal escapes, bidi overrides, and a line of a megabyte.
 * Each would set `window.__pwned`, open a dialog or reach evil.example if it ever ran.
 */
const CORPUS = [
  '<script>window.__pwned = 1; alert("script")</script>',
  '<img src=x onerror="window.__pwned = 2; alert(\'img\')">',
  '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned = 3"><script>alert("svg")</script></svg>',
  '<a href="javascript:window.__pwned = 4; alert(\'link\')">click here</a>',
  '[click me](javascript:alert("markdown")) ![pixel](http://evil.example/pixel.png)',
  '<iframe src="http://evil.example/frame"></iframe><object data="http://evil.example/x.swf"></object>',
  '"><style>body { background: url(http://evil.example/bg.png) }</style><div style="background:url(http://evil.example/s)">',
  '<meta http-equiv="refresh" content="0;url=http://evil.example/">',
  "{{constructor.constructor('window.__pwned = 5')()}} ${alert('template')}",
  '\u001b[31mred alert\u001b[0m \u001b]8;;http://evil.example\u0007terminal link\u001b]8;;\u0007',
  'invoice_\u202Egpj.exe and \u2067isolated\u2069 text',
  '<details open ontoggle="window.__pwned = 6">x</details><input autofocus onfocus="window.__pwned = 7">',
];
// One line of almost a megabyte (no newline), as a model emits when it dumps a minified file; the
// ledger keeps strings up to 1,000,000 characters whole.
const MEGABYTE_LINE = `<b onmouseover="window.__pwned = 8">${'const answer = [1, 2, 3]; '.repeat(38_000)}</b>`;

let world: DashboardWorld;
let records: CallRecord[];
let traceId: string;

beforeAll(async () => {
  world = await startWorld(
    async (ledger) => {
      await ledger.logCall(
        {
          model: 'gpt-4o-mini',
          provider: 'openai',
          callType: CORPUS[0],
          userId: CORPUS[1],
          tenantId: CORPUS[3],
          tags: CORPUS.slice(0, 4),
          metadata: { note: CORPUS[2], link: CORPUS[3] },
          systemPrompt: CORPUS.join('\n'),
          messages: [
            ...CORPUS.map((text) => ({ role: 'user', content: text })),
            { role: 'user', content: [{ type: 'text', text: MEGABYTE_LINE }] },
          ],
          tools: [{ type: 'function', function: { name: 'lookup', description: CORPUS[1], parameters: {} } }],
        },
        async (parent) => {
          traceId = parent.traceId;
          for (const [index, text] of CORPUS.entries()) {
            await ledger
              .logCall(
                {
                  model: text,
                  provider: 'openai',
                  userId: text,
                  tenantId: `tenant ${text}`,
                  tags: [text],
                  messages: [],
                },
                (call) => {
                  if (index % 3 === 2) {
                    throw Object.assign(new Error(text), { status: 400 });
                  }
                  call.complete({ responseMessage: text, tokens: { input: 10 + index, output: 5 } });
                },
              )
              .catch(() => undefined);
          }
          parent.complete({
            responseMessage: {
              role: 'assistant',
              content: CORPUS.join('\n\n'),
              toolCalls: CORPUS.slice(0, 6).map((text, index) => ({
                id: `call_${index}`,
                type: 'function',
                function: { name: `tool_${index}_${text}`, arguments: JSON.stringify({ query: text }) },
              })),
            },
            tokens: { input: 300_000, output: 120 },
          });
        },
      );
      // No meter here: admission would count the megabyte's tokens first (see the report on long runs).
    },
    { meter: false },
  );
  records = await world.ledger.calls.byTrace(traceId);
}, 120_000);
afterAll(async () => world?.close());

/** Every string in `expected` appears, unchanged, in the text of `selector` (checked in the page). */
async function expectText(watched: WatchedPage, selector: string, expected: readonly string[]): Promise<void> {
  const missing = await watched.page.locator(selector).evaluate(
    (element, strings: string[]) => {
      const text = element.textContent ?? '';
      return strings.filter((value) => !text.includes(value));
    },
    [...expected],
  );
  expect(missing.map((value) => value.slice(0, 120))).toEqual([]);
}

describe('recorded content is shown as text and never runs', () => {
  it('the ledger keeps the corpus as given (so the page checks below are about the page)', () => {
    const parent = records.find((record) => record.parentId === null)!;
    expect(parent.systemPrompt).toBe(CORPUS.join('\n'));
    expect(parent.tags).toEqual(CORPUS.slice(0, 4));
    expect(parent.userId).toBe(CORPUS[1]);
    expect(JSON.stringify(parent.messages)).toContain(JSON.stringify(MEGABYTE_LINE));
    expect(new Set(records.map((record) => record.model))).toEqual(new Set(['gpt-4o-mini', ...CORPUS]));
  });

  it('call detail: prompts, messages, the 1 MB line, response, tool calls, tags and metadata', async () => {
    const parent = records.find((record) => record.parentId === null)!;
    const watched = await openPage(world);
    await go(watched.page, world.baseUrl, `#/calls/${parent.id}`, '#messages');
    await expectText(watched, '#system-prompt', [parent.systemPrompt!]);
    await expectText(watched, '#messages', [...CORPUS, MEGABYTE_LINE]);
    await expectText(watched, '#response', [CORPUS.join('\n\n')]);
    const toolCalls = parent.responseMessage!.toolCalls!;
    await expectText(watched, '#tool-calls', [
      ...toolCalls.map((call) => call.function!.name),
      ...toolCalls.map((call) => call.function!.arguments),
    ]);
    await expectText(watched, '.tags', CORPUS.slice(0, 4));
    await expectText(watched, '#metadata', ['window.__pwned = 3']);
    await expectText(watched, '.detail', [CORPUS[0]!, CORPUS[1]!, CORPUS[3]!]);
    // Nothing recorded became an element: the only links are the dashboard's own.
    const foreign = await watched.page.evaluate<number>(
      "document.querySelectorAll('script:not([src]), iframe, object, svg:not(.u-legend svg), img, meta[http-equiv], details, style, a[href^=javascript]').length",
    );
    expect(foreign).toBe(0);
    await watched.expectClean();
    await watched.close();
  }, 120_000);

  it('every list page shows hostile model names, users, tenants and errors as text', async () => {
    const watched = await openPage(world);
    const { page } = watched;
    const children = records.filter((record) => record.parentId !== null);
    await go(page, world.baseUrl, '#/calls?range=24h', '#calls-table tbody tr');
    await page.waitForSelector(`#calls-table tr[data-call-id="${children[0]!.id}"]`);
    await expectText(watched, '#calls-table', [
      ...CORPUS,
      ...children.map((record) => record.userId!),
      ...children.map((record) => record.tenantId!),
    ]);
    await screenshot(page, 'xss-calls');

    await go(page, world.baseUrl, '#/overview?range=24h', '.card:has-text("Top models") tbody tr');
    await page.waitForSelector('.chart canvas');
    await expectText(watched, '.grid-3', ['gpt-4o-mini', CORPUS[1]!, CORPUS[3]!]);

    await go(page, world.baseUrl, '#/breakdown?range=24h&by=user&by2=model', '#breakdown-table tbody tr');
    await expect.poll(() => page.locator('#breakdown-table tbody tr').count()).toBeGreaterThan(CORPUS.length);
    await expectText(watched, '#breakdown-table', CORPUS);

    await go(page, world.baseUrl, `#/traces/${traceId}`, '#trace-tree tbody tr');
    await expect.poll(() => page.locator('#trace-tree tbody tr').count()).toBe(records.length);
    await expectText(watched, '#trace-tree', [...CORPUS, CORPUS[0]!]);
    await screenshot(page, 'xss-trace');

    const failed = children.find((record) => record.status === 'error')!;
    await go(page, world.baseUrl, `#/calls/${failed.id}`, '#messages');
    await expectText(watched, '.card:has-text("Outcome")', [failed.errorMessage!, failed.model]);
    await watched.expectClean();
    await watched.close();
  });

  it('the live tail and the alerts page show hostile fields as text', async () => {
    const watched = await openPage(world);
    const { page } = watched;
    await go(page, world.baseUrl, '#/live', '#live-status');
    await expect.poll(() => page.locator('#live-status').textContent()).toContain('Connected');
    let id = '';
    await world.ledger.logCall(
      { model: CORPUS[2]!, provider: 'openai', userId: CORPUS[4], tenantId: CORPUS[9], tags: [CORPUS[10]!] },
      (call) => {
        id = call.id;
        call.complete({ responseMessage: CORPUS[5], tokens: { input: 1, output: 1 } });
      },
    );
    await world.ledger.flush();
    await page.waitForSelector(`#live-table tr[data-call-id="${id}"]`, { timeout: 10_000 });
    const live = await world.ledger.calls.get(id);
    await expectText(watched, '#live-table', [live!.model, live!.userId!, live!.tenantId!]);
    await watched.expectClean();
    await watched.close();
  });
});
