import { describe, expect, it } from 'vitest';
import { timeWindow } from '../../src/server/dashboard/app/lib/filters.js';
import { planRollup } from '../../src/stores/rollup/rollup-plan.js';

const NOW = Date.parse('2026-12-06T05:47:31.250Z');
const windowOf = (query: string) => timeWindow(new URLSearchParams(query), NOW);

describe("the dashboard's relative ranges", () => {
  it('start on whole UTC days from a week up and on whole hours for a day, so the overview reads the rollups', () => {
    expect(windowOf('range=7d').from).toBe('2026-11-29T00:00:00.000Z');
    expect(windowOf('').from).toBe('2026-11-29T00:00:00.000Z');
    expect(windowOf('range=30d').from).toBe('2026-11-06T00:00:00.000Z');
    expect(windowOf('range=24h').from).toBe('2026-12-05T05:00:00.000Z');
    expect(windowOf('range=1h').from).toBe('2026-12-06T04:47:00.000Z');

    // The overview's own summaries: cost by model and day, top tenants.
    const week = windowOf('range=7d').from;
    expect(planRollup({ groupBy: ['model', 'day'], from: week })?.table.name).toBe('llm_usage_daily');
    expect(planRollup({ groupBy: ['tenant'], from: week })?.table.name).toBe('llm_usage_daily_tenants');
    expect(planRollup({ groupBy: ['model', 'hour'], from: windowOf('range=24h').from })?.table.name).toBe(
      'llm_usage_hourly',
    );
  });

  it('cover at least the range asked for', () => {
    for (const range of ['1h', '24h', '7d', '30d', '90d']) {
      const { from, spanMs } = windowOf(`range=${range}`);
      expect(NOW - Date.parse(from!)).toBeGreaterThanOrEqual(spanMs!);
    }
  });
});
