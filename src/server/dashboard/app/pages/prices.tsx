import { useEffect, useState } from 'preact/hooks';
import { Card, Empty, ErrorBox, KeyValues, Loading, Page, Text } from '../components/ui.js';
import { apiUrl, useApi } from '../lib/api.js';
import { navigate, withParams, type Route } from '../lib/route.js';

interface ExplainedPeriod {
  from: string | null;
  to: string | null;
  currency: string;
  inForce: boolean;
  prices: Record<string, string>;
  serviceTiers: Record<string, Record<string, string>>;
}

interface ExplainedMatch {
  kind: string;
  reason: string;
  guessed: boolean;
  provider: string;
  id: string;
  name: string | null;
  origin: string;
  aliases: string[];
  pattern: string | null;
  contextWindow: number | null;
  periods: ExplainedPeriod[];
}

interface PriceAnswer {
  known: boolean;
  explanation: {
    model: string;
    provider: string | null;
    at: string;
    steps: string[];
    matches: ExplainedMatch[];
    pricingVersion: string;
  };
}

const BUCKET_LABELS: Record<string, string> = {
  input: 'Input',
  cacheRead: 'Cache read',
  cacheWrite: 'Cache write',
  cacheWrite1h: 'Cache write 1 h',
  output: 'Output',
  reasoning: 'Reasoning',
  request: 'Per request',
};

/** The buckets any period prices, in a stable order: known ones first. */
function bucketsOf(periods: ExplainedPeriod[]): string[] {
  const present = new Set(periods.flatMap((period) => Object.keys(period.prices)));
  const known = Object.keys(BUCKET_LABELS).filter((bucket) => present.has(bucket));
  return [...known, ...[...present].filter((bucket) => !(bucket in BUCKET_LABELS)).sort()];
}

export function PricesPage({ route }: { route: Route }) {
  const model = route.params.get('model') ?? '';
  const provider = route.params.get('provider') ?? '';
  const [draft, setDraft] = useState({ model, provider });
  useEffect(() => setDraft({ model, provider }), [model, provider]);
  const loaded = useApi<PriceAnswer>(
    model ? apiUrl(`prices/${encodeURIComponent(model)}`, { provider: provider || undefined }) : null,
  );
  return (
    <Page
      title="Prices"
      subtitle="Which catalog entry a model name matches, and its prices per million tokens (per request where marked)."
    >
      <form
        class="filters"
        aria-label="Look up a model"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(withParams(route, { model: draft.model.trim(), provider: draft.provider.trim() }));
        }}
      >
        <label>
          <span>Model</span>
          <input
            name="model"
            value={draft.model}
            placeholder="gpt-4o-mini"
            size={32}
            onInput={(event) => setDraft({ ...draft, model: event.currentTarget.value })}
          />
        </label>
        <label>
          <span>Provider (optional)</span>
          <input
            name="provider"
            value={draft.provider}
            placeholder="openai"
            onInput={(event) => setDraft({ ...draft, provider: event.currentTarget.value })}
          />
        </label>
        <div class="filter-actions">
          <button type="submit">Look up</button>
        </div>
      </form>
      {!model ? (
        <Card>
          <Empty>Type a model name as your code sends it, for example gpt-4o-2024-08-06 or claude-sonnet-4-5.</Empty>
        </Card>
      ) : loaded.error ? (
        <ErrorBox error={loaded.error} />
      ) : !loaded.data ? (
        <Loading />
      ) : (
        <PriceResult answer={loaded.data} />
      )}
    </Page>
  );
}

function PriceResult({ answer }: { answer: PriceAnswer }) {
  const explanation = answer.explanation;
  return (
    <>
      {!answer.known && (
        <div class="error-box" role="status">
          <strong>Unknown model</strong>
          <span>
            No price matches <Text value={explanation.model} />: its calls are recorded as unpriced (cost unknown, not
            zero). Add a price in llm_config.yaml.
          </span>
        </div>
      )}
      {explanation.matches.map((match, index) => {
        const buckets = bucketsOf(match.periods);
        return (
          <Card
            key={index}
            title={
              <>
                <Text value={`${match.provider}/${match.id}`} />
                {match.name && <span class="muted small"> {match.name}</span>}
              </>
            }
          >
            <KeyValues
              rows={[
                ['Match', `${match.kind}${match.guessed ? ' (guessed: costs are estimated)' : ''}`],
                ['Why', <Text value={match.reason} />],
                ['Source', match.origin],
                ['Aliases', match.aliases.length ? match.aliases.join(', ') : '—'],
                ['Context window', match.contextWindow ? `${match.contextWindow.toLocaleString('en-US')} tokens` : '—'],
              ]}
            />
            <table class="table compact prices-table">
              <thead>
                <tr>
                  <th scope="col">In force</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  {buckets.map((bucket) => (
                    <th scope="col" class="num" key={bucket}>
                      {BUCKET_LABELS[bucket] ?? bucket}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {match.periods.map((period, position) => (
                  <tr key={position} class={period.inForce ? 'in-force' : undefined}>
                    <td>{period.inForce ? <span class="badge ok">now</span> : <span class="muted">—</span>}</td>
                    <td>{period.from ?? <span class="muted">—</span>}</td>
                    <td>{period.to ?? <span class="muted">—</span>}</td>
                    {buckets.map((bucket) => (
                      <td class="num" key={bucket}>
                        {period.prices[bucket] ? (
                          `${period.prices[bucket]} ${period.currency}`
                        ) : (
                          <span class="muted">—</span>
                        )}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        );
      })}
      <Card title="How the name was matched">
        <ol class="steps">
          {explanation.steps.map((step, index) => (
            <li key={index}>
              <Text value={step} />
            </li>
          ))}
        </ol>
        <p class="muted small">
          Price data: <Text value={explanation.pricingVersion} class="mono" />
        </p>
      </Card>
    </>
  );
}
