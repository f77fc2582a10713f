import { catalogProviderId } from './provider-names.js';

/**
 * Lower-cases and drops path prefixes that name no provider: Gemini REST `models/...`, Vertex
 * `publishers/google/models/...` and `projects/.../models/...`.
 */
export function normalizeModelName(model: string): string {
  const name = model.trim().toLowerCase();
  const publisher = /(?:^|\/)publishers\/[^/]+\/models\/(.+)$/.exec(name);
  if (publisher) return publisher[1]!;
  return name.startsWith('models/') ? name.slice('models/'.length) : name;
}

/** `openai/gpt-4o`, `openai:gpt-4o`, `bedrock/anthropic.claude-...` -> the provider and the rest. */
export function splitProviderPrefix(
  name: string,
  knownIds: ReadonlySet<string>,
): { provider: string; rest: string } | undefined {
  const match = /^([a-z0-9_.-]+)[/:](.+)$/.exec(name);
  if (!match) return undefined;
  const provider = catalogProviderId(match[1], knownIds);
  return provider === undefined ? undefined : { provider, rest: match[2]! };
}

const COMPACT_DATE = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

/** `claude-3-5-sonnet-20241022` -> `claude-3-5-sonnet-2024-10-22`, the source's own normalization. */
export function expandCompactDate(name: string): string {
  return name.replace(COMPACT_DATE, (_all, dash: string, year: string, month: string, day: string) => {
    return `${dash}${year}-${month}-${day}`;
  });
}

/** `-2024-08-06`, `-20240806`, `@20240806` (Vertex), or Mistral's year-month `-2410`. */
const SNAPSHOT_SUFFIX = /(?:[-@]20\d{2}-?\d{2}-?\d{2}|-\d{2}(?:0[1-9]|1[0-2]))$/;

/**
 * The undated name of a dated snapshot (`gpt-4o-mini-2099-01-01` -> `gpt-4o-mini`,
 * `ministral-3b-2410` -> `ministral-3b`), or undefined. A last resort: a snapshot may be priced
 * differently from its alias, so a match through it is a guess.
 */
export function stripSnapshotDate(name: string): string | undefined {
  const stripped = name.replace(SNAPSHOT_SUFFIX, '');
  return stripped === name || stripped === '' ? undefined : stripped;
}

/**
 * The name a deployment platform's spelling stands for: Azure OpenAI writes `gpt-35-turbo` for
 * `gpt-3.5-turbo` (dots are not allowed in its model names). The same model, so an exact match
 * through it is not a guess. Undefined when the name has no such spelling.
 */
export function platformSpelling(name: string): string | undefined {
  const dotted = name.replace(/(^|[/.:])gpt-35(?=-|$)/, '$1gpt-3.5');
  return dotted === name ? undefined : dotted;
}

/**
 * A snapshot date as a comparable `YYYYMM`: `-2604` (Mistral's year-month) -> `202604`,
 * `-2024-08-06` or `-20240806` -> `202408`. Undefined when the name carries no date.
 */
export function snapshotMonth(name: string): string | undefined {
  const full = /[-@](20\d{2})-?(\d{2})-?\d{2}$/.exec(name);
  if (full) return `${full[1]}${full[2]}`;
  const short = /-(\d{2})(0[1-9]|1[0-2])$/.exec(name);
  return short ? `20${short[1]}${short[2]}` : undefined;
}
