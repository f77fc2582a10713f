/** One thing to hide: every match of `pattern` is replaced by `replacement`. */
export interface RedactionRule {
  pattern: RegExp;
  replacement: string;
}

const KEY = '[REDACTED_API_KEY]';

/**
 * Credentials that must never reach the database, a log line or an export, in content (when
 * content logging redacts it) and in error messages (always: providers echo the rejected key).
 * Header and query rules come first so that they hide the whole value, whatever its shape.
 */
export const SECRET_REDACTION_RULES: readonly RedactionRule[] = Object.freeze([
  // `Authorization: Bearer ...`, `"authorization":"Basic ..."`, `x-api-key: ...`, `x-goog-api-key=...`.
  {
    pattern:
      /\b((?:proxy-)?authorization|x-api-key|api-key|x-goog-api-key|anthropic-api-key|openai-api-key)(\\?["']?\s*[:=]\s*\\?["']?)((?:Bearer|Basic|Token|Bot|Key)\s+)?[^\s"',;}\\]+/gi,
    replacement: '$1$2$3[REDACTED]',
  },
  // Keys and tokens in URLs: `?key=AIza...`, `&api_key=...`, `access_token=...`.
  {
    pattern:
      /([?&;](?:key|api[_-]?key|access[_-]?token|token|secret|client[_-]?secret|password|sig|signature|x-goog-api-key)=)[^&#\s"'<>]+/gi,
    replacement: '$1[REDACTED]',
  },
  // Credentials in connection URLs: `postgres://user:secret@host`.
  { pattern: /(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, replacement: '$1[REDACTED]@' },
  { pattern: /\bBearer\s+[A-Za-z0-9._~+/-]+=*/gi, replacement: 'Bearer [REDACTED]' },
  // OpenAI (`sk-`, `sk-proj-`, `sk-svcacct-`), Anthropic (`sk-ant-api03-`, `sk-ant-admin01-`), DeepSeek.
  { pattern: /\bsk-[A-Za-z0-9_-]{16,}/g, replacement: KEY },
  // Google (Gemini, Vertex via API key): `AIza` and 35 characters.
  { pattern: /\bAIza[0-9A-Za-z_-]{35}/g, replacement: KEY },
  // AWS access key ids (long-lived and temporary).
  { pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, replacement: KEY },
  // GitHub tokens (classic, OAuth, app, refresh) and fine-grained PATs.
  { pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/g, replacement: KEY },
  // Groq, xAI, Hugging Face, Replicate, Slack.
  { pattern: /\bgsk_[A-Za-z0-9]{20,}/g, replacement: KEY },
  { pattern: /\bxai-[A-Za-z0-9_-]{20,}/g, replacement: KEY },
  { pattern: /\bhf_[A-Za-z0-9]{30,}/g, replacement: KEY },
  { pattern: /\br8_[A-Za-z0-9]{30,}/g, replacement: KEY },
  { pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g, replacement: KEY },
]);

/**
 * Hides credentials (see SECRET_REDACTION_RULES) in one text. The one function error messages
 * and logged content go through, so that both hide the same things.
 *
 * @example
 * redactSecrets('401: Incorrect API key provided: sk-proj-abcdefghijklmnopqrstu');
 * // '401: Incorrect API key provided: [REDACTED_API_KEY]'
 */
export function redactSecrets(text: string, rules: readonly RedactionRule[] = SECRET_REDACTION_RULES): string {
  let result = text;
  for (const rule of rules) {
    rule.pattern.lastIndex = 0;
    result = result.replace(rule.pattern, rule.replacement);
  }
  return result;
}
