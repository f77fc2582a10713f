/**
 * PostgreSQL's TEXT and JSONB cannot hold U+0000 (JSONB refuses `\u0000`, TEXT refuses the NUL
 * byte). The store keeps such values losslessly by byte stuffing with a private-use character E
 * (U+F8FF): NUL is stored as E followed by "0", and E itself as E E. Values without NUL or E (all
 * but a handful) are stored unchanged; filters are encoded the same way, so they still match.
 * Someone reading the table with other tools sees E0 where the text had NUL.
 *
 * Lone surrogates never get here: row-mapping repairs them to U+FFFD (as for SQLite).
 */
const ESCAPE = '\uF8FF';
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const TEXT_PATTERN = /[\u0000\uF8FF]/g;
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const TEXT_TEST = /[\u0000\uF8FF]/;
const DECODE_PATTERN = /\uF8FF([\uF8FF0])/g;
// In JSON text NUL is the escape \u0000; a literal backslash is \\ and must be skipped whole, so
// that the text \\u0000 (a backslash followed by "u0000") is left alone.
const JSON_PATTERN = /\\\\|\\u0000|\uF8FF/g;

export function encodeText(value: string): string {
  if (!TEXT_TEST.test(value)) return value;
  return value.replace(TEXT_PATTERN, (match) => (match === ESCAPE ? ESCAPE + ESCAPE : `${ESCAPE}0`));
}

export function decodeText(value: string): string {
  if (!value.includes(ESCAPE)) return value;
  return value.replace(DECODE_PATTERN, (_match, next: string) => (next === ESCAPE ? ESCAPE : '\u0000'));
}

/** Encodes JSON text so that PostgreSQL accepts it as JSONB. */
export function encodeJson(json: string): string {
  if (!json.includes('\\u0000') && !json.includes(ESCAPE)) return json;
  return json.replace(JSON_PATTERN, (match) =>
    match === ESCAPE ? ESCAPE + ESCAPE : match === '\\u0000' ? `${ESCAPE}0` : match,
  );
}

/** The inverse of encodeJson on JSONB's text output (E only ever occurs inside JSON strings). */
export function decodeJson(json: string): string {
  if (!json.includes(ESCAPE)) return json;
  return json.replace(DECODE_PATTERN, (_match, next: string) => (next === ESCAPE ? ESCAPE : '\\u0000'));
}
