import { formatDecimal, parseDecimal, subtractDecimal } from '../../core/money.js';
import { isLedgerError } from '../../core/errors.js';
import type { Meter, MeterUsage } from '../../meters/meter.js';
import type { PeriodInput } from '../../meters/counters/period.js';
import type { Budget } from '../../meters/limits/limit-types.js';
import type { Access } from '../access.js';
import { ApiError } from '../api-error.js';
import { readParams, single } from '../query-params.js';
import type { ServerApp, ServerContext } from '../server-context.js';

const NO_METER =
  'no meter is configured: give createLedger() a `limits:` section or a meter (or createLedgerServer({ meter }))';

export function registerMeterRoutes(app: ServerApp, context: ServerContext): void {
  const meterOf = (): Meter => {
    if (!context.meter) throw new ApiError('not_configured', NO_METER);
    return context.meter;
  };

  app.get('/api/v1/meters/:subject', async (c) => {
    const place = 'GET /api/v1/meters/:subject';
    const values = readParams(new URL(c.req.url), ['period'], place);
    const meter = meterOf();
    const subject = c.req.param('subject');
    checkSubject(subject, c.get('access'));
    const period = single(values, 'period', place);
    const usage = await meterCall(() => meter.get(subject, period as PeriodInput | undefined), 'period');
    return c.json({ usage });
  });

  app.get('/api/v1/limits', async (c) => {
    readParams(new URL(c.req.url), [], 'GET /api/v1/limits');
    const meter = meterOf();
    const access = c.get('access');
    const { budgets, rates } = meter.limits.list();
    const own = (subject: string) =>
      access.tenantId === null || subject === `tenant:${access.tenantId}` || subject === 'tenant:*';
    const shown = budgets.filter((budget) => own(budget.subject));
    const withUsage = await Promise.all(shown.map((budget) => budgetUsage(meter, budget, access)));
    return c.json({
      currency: meter.currency,
      budgets: withUsage,
      rateLimits: rates.filter((rate) => own(rate.subject)),
    });
  });
}

/** A tenant-scoped token reads its tenant's counters only. */
function checkSubject(subject: string, access: Access): void {
  if (access.tenantId !== null && subject !== `tenant:${access.tenantId}`) {
    throw new ApiError('forbidden', `this token reads the subject "tenant:${access.tenantId}" only`, 'subject');
  }
}

/** A meter's ConfigError (a bad subject or period) is the caller's mistake. */
async function meterCall<T>(run: () => Promise<T>, param: string): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isLedgerError(error) && error.code === 'CONFIG_ERROR') {
      const path = (error as { path?: string }).path;
      throw new ApiError('invalid_request', error.message, path === 'subject' ? 'subject' : param);
    }
    throw error;
  }
}

/**
 * A budget with its current window: used, reserved and what remains. A budget over each subject of
 * a dimension (`user:*`) has no single window, so its usage is null (ask `/api/v1/meters/:subject`),
 * except `tenant:*` for a tenant-scoped token, which is that tenant's own.
 */
async function budgetUsage(meter: Meter, budget: Budget, access: Access) {
  let subject: string | null = budget.subject;
  if (subject.endsWith(':*'))
    subject = subject === 'tenant:*' && access.tenantId !== null ? `tenant:${access.tenantId}` : null;
  if (subject === null) return { ...budget, usage: null, remaining: null };
  const usage = await meter.get(subject, budget.period as PeriodInput);
  return { ...budget, subject: budget.subject, usage, remaining: remaining(budget, usage) };
}

function remaining(budget: Budget, usage: MeterUsage) {
  return {
    cost:
      budget.maxCost === null
        ? null
        : formatDecimal(
            subtractDecimal(
              subtractDecimal(parseDecimal(budget.maxCost), parseDecimal(usage.cost)),
              parseDecimal(usage.reserved.cost),
            ),
          ),
    tokens: budget.maxTokens === null ? null : budget.maxTokens - usage.tokens.total - usage.reserved.tokens,
    requests: budget.maxRequests === null ? null : budget.maxRequests - usage.requests - usage.reserved.requests,
  };
}
