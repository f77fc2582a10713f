import { Card, Empty, ErrorBox, Loading, Page, Text } from '../components/ui.js';
import { apiUrl, useApi } from '../lib/api.js';
import { formatInt, formatMoney, formatTime } from '../lib/format.js';
import { compareAmounts } from '../lib/summary.js';
import type { AlertsAnswer } from './alerts.js';

interface Usage {
  windowStart: string;
  windowEnd: string;
  requests: number;
  tokens: { total: number };
  cost: string;
  currency: string;
  unpricedRequests: number;
  reserved: { cost: string; tokens: number; requests: number };
}

interface BudgetRow {
  subject: string;
  period: string;
  maxCost: string | null;
  maxTokens: number | null;
  maxRequests: number | null;
  mode: string;
  usage: Usage | null;
  remaining: { cost: string | null; tokens: number | null; requests: number | null } | null;
}

interface LimitsAnswer {
  currency: string;
  budgets: BudgetRow[];
  rateLimits: { subject: string; requestsPerMinute: number | null; tokensPerMinute: number | null }[];
}

export function BudgetsPage() {
  // The alerts answer says whether a meter is attached: without one, /limits is a 404 not worth making.
  const parts = useApi<AlertsAnswer>(apiUrl('alerts'));
  const loaded = useApi<LimitsAnswer>(parts.data?.meter ? apiUrl('limits') : null);
  const notConfigured = parts.data !== undefined && !parts.data.meter;
  return (
    <Page
      title="Budgets"
      subtitle="Each limit with what is used, reserved by running calls, and what remains this window."
    >
      {notConfigured ? (
        <Card>
          <Empty>
            No meter is configured for this ledger, so there are no budgets. Add a <code>limits:</code> section to
            llm_config.yaml (or give createLedger() a meter) to enforce budgets and rate limits.
          </Empty>
        </Card>
      ) : parts.error || loaded.error ? (
        <ErrorBox error={(parts.error ?? loaded.error)!} />
      ) : !loaded.data ? (
        <Loading />
      ) : (
        <>
          <Card title="Budgets">
            {loaded.data.budgets.length === 0 ? (
              <Empty>No budget is set.</Empty>
            ) : (
              <div class="budgets" id="budgets">
                {loaded.data.budgets.map((budget, index) => (
                  <BudgetCard key={index} budget={budget} currency={loaded.data!.currency} />
                ))}
              </div>
            )}
          </Card>
          <Card title="Rate limits">
            {loaded.data.rateLimits.length === 0 ? (
              <Empty>No rate limit is set.</Empty>
            ) : (
              <table class="table compact">
                <thead>
                  <tr>
                    <th scope="col">Subject</th>
                    <th scope="col" class="num">
                      Requests / min
                    </th>
                    <th scope="col" class="num">
                      Tokens / min
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {loaded.data.rateLimits.map((rate, index) => (
                    <tr key={index}>
                      <td>
                        <Text value={rate.subject} />
                      </td>
                      <td class="num">{formatInt(rate.requestsPerMinute)}</td>
                      <td class="num">{formatInt(rate.tokensPerMinute)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </>
      )}
    </Page>
  );
}

function BudgetCard({ budget, currency }: { budget: BudgetRow; currency: string }) {
  const usage = budget.usage;
  const lines: { label: string; limit: string; used: string; reserved: string; remaining: string; share: number }[] =
    [];
  if (budget.maxCost !== null) {
    lines.push({
      label: 'Cost',
      limit: formatMoney(budget.maxCost, currency),
      used: usage ? formatMoney(usage.cost, currency) : '—',
      reserved: usage ? formatMoney(usage.reserved.cost, currency) : '—',
      remaining: budget.remaining?.cost != null ? formatMoney(budget.remaining.cost, currency) : '—',
      share: usage ? share(Number(usage.cost) + Number(usage.reserved.cost), Number(budget.maxCost)) : 0,
    });
  }
  if (budget.maxTokens !== null) {
    lines.push({
      label: 'Tokens',
      limit: formatInt(budget.maxTokens),
      used: usage ? formatInt(usage.tokens.total) : '—',
      reserved: usage ? formatInt(usage.reserved.tokens) : '—',
      remaining: formatInt(budget.remaining?.tokens),
      share: usage ? share(usage.tokens.total + usage.reserved.tokens, budget.maxTokens) : 0,
    });
  }
  if (budget.maxRequests !== null) {
    lines.push({
      label: 'Requests',
      limit: formatInt(budget.maxRequests),
      used: usage ? formatInt(usage.requests) : '—',
      reserved: usage ? formatInt(usage.reserved.requests) : '—',
      remaining: formatInt(budget.remaining?.requests),
      share: usage ? share(usage.requests + usage.reserved.requests, budget.maxRequests) : 0,
    });
  }
  const over = budget.remaining?.cost != null && compareAmounts(budget.remaining.cost, '0') < 0;
  return (
    <div class="budget" data-subject={budget.subject}>
      <div class="budget-head">
        <strong>
          <Text value={budget.subject} />
        </strong>
        <span class="badge">{budget.period}</span>
        <span class={`badge ${budget.mode === 'hard' ? 'bad' : 'warn'}`}>{budget.mode}</span>
        {over && <span class="badge bad">over</span>}
      </div>
      {usage ? (
        <p class="muted small">
          Window {formatTime(usage.windowStart)} to {formatTime(usage.windowEnd)} UTC
          {usage.unpricedRequests > 0 && ` · ${formatInt(usage.unpricedRequests)} unpriced calls not in the cost`}
        </p>
      ) : (
        <p class="muted small">Applies to each subject separately; see a subject's own meter for its usage.</p>
      )}
      <table class="table compact">
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col" class="num">
              Limit
            </th>
            <th scope="col" class="num">
              Used
            </th>
            <th scope="col" class="num">
              Reserved
            </th>
            <th scope="col" class="num">
              Remaining
            </th>
            <th scope="col">Used + reserved</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr key={line.label}>
              <th scope="row">{line.label}</th>
              <td class="num">{line.limit}</td>
              <td class="num">{line.used}</td>
              <td class="num">{line.reserved}</td>
              <td class="num">{line.remaining}</td>
              <td>
                <div
                  class="meter-bar"
                  role="meter"
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={Math.round(line.share)}
                  aria-label={`${line.label} used`}
                >
                  <div
                    class={line.share >= 100 ? 'fill bad' : line.share >= 80 ? 'fill warn' : 'fill'}
                    style={{ width: `${Math.min(100, line.share)}%` }}
                  />
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function share(used: number, limit: number): number {
  if (limit <= 0) return used > 0 ? 100 : 0;
  return (used / limit) * 100;
}
