import { redactSecrets, SECRET_REDACTION_RULES, type RedactionRule } from '../../core/secret-redaction.js';

export type { RedactionRule };

/**
 * Secrets and personal data hidden by default: the credentials error messages are also cleaned
 * of (provider API keys of OpenAI, Anthropic, Google, AWS, GitHub, Groq, xAI and others, bearer
 * tokens, Authorization and API-key headers, keys in URL query strings and URL credentials), and
 * email addresses.
 */
export const DEFAULT_REDACTION_RULES: readonly RedactionRule[] = Object.freeze([
  ...SECRET_REDACTION_RULES,
  { pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, replacement: '[REDACTED_EMAIL]' },
]);

export interface RedactionOptions {
  /** Extra rules, applied after the defaults. A bare RegExp is replaced by `[REDACTED]`. */
  patterns?: ReadonlyArray<RegExp | RedactionRule>;
  /** false drops the default rules, keeping only `patterns`. Default true. */
  defaults?: boolean;
  /** Longest string kept after redaction; longer ones are cut with a visible marker. Default 10,000. */
  maxChars?: number;
}

/** Deepest nesting walked; content deeper than this is replaced, not logged unredacted. */
const MAX_DEPTH = 12;

/**
 * Replaces secrets in text and in nested message structures. Built once per configuration:
 * the rules are compiled (and made global) up front, not per call.
 *
 * @example
 * const redactor = new Redactor({ patterns: [/\bACME-\d{6}\b/] });
 * redactor.text('key sk-abcdefghijklmnopqrstuv, mail ada@example.com, id ACME-123456');
 * // 'key [REDACTED_API_KEY], mail [REDACTED_EMAIL], id [REDACTED]'
 */
export class Redactor {
  readonly rules: readonly RedactionRule[];
  private readonly maxChars: number;

  constructor(options: RedactionOptions = {}) {
    this.maxChars = options.maxChars ?? 10_000;
    const own = (options.patterns ?? []).map((rule) =>
      rule instanceof RegExp ? { pattern: rule, replacement: '[REDACTED]' } : rule,
    );
    const rules = options.defaults === false ? own : [...DEFAULT_REDACTION_RULES, ...own];
    // A non-global RegExp would replace only the first match: make every rule global.
    this.rules = Object.freeze(
      rules.map(({ pattern, replacement }) => ({
        pattern: pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`),
        replacement,
      })),
    );
  }

  text(value: string): string {
    let result = redactSecrets(value, this.rules);
    // Cut after redacting, so a secret on the boundary is never left half visible.
    if (result.length > this.maxChars) {
      result = `${result.slice(0, this.maxChars)}…[${result.length - this.maxChars} more chars]`;
    }
    return result;
  }

  /** Redacts every string inside arrays and plain objects; keys are kept, other values copied. */
  value(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= MAX_DEPTH) return '[TRUNCATED]';
    if (Array.isArray(value)) return value.map((item) => this.value(item, depth + 1));
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) result[key] = this.value(item, depth + 1);
    return result;
  }
}
