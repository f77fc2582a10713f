import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { configFileSchema, type ConfigFile } from './schema.js';

export const DEFAULT_CONFIG_FILE = 'llm_config.yaml';

export interface LoadedConfig {
  /** The file read, or null when none was found. */
  path: string | null;
  file: ConfigFile;
}

/**
 * Reads `llm_config.yaml`: the given path (which must exist), else `LLM_LEDGER_CONFIG`, else
 * `./llm_config.yaml` when present. `false` skips the file.
 */
export function loadConfigFile(
  configFile: string | false | undefined,
  env: Record<string, string | undefined>,
  cwd: string = process.cwd(),
): LoadedConfig {
  if (configFile === false) return { path: null, file: {} };
  const fromEnv = env.LLM_LEDGER_CONFIG;
  const explicit = configFile ?? (fromEnv === undefined || fromEnv.trim() === '' ? undefined : fromEnv);
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (explicit !== undefined) {
      throw new ConfigError({ source: path, path: '', expected: 'an existing YAML file', received: 'no such file' });
    }
    return { path: null, file: {} };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unreadable';
    throw new ConfigError({ source: path, path: '', expected: 'a readable YAML file', received: reason, cause: error });
  }
  return { path, file: parseConfigText(text, path) };
}

export function parseConfigText(text: string, source: string): ConfigFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` (line ${error.linePos[0].line})` : '';
    const reason = error instanceof Error ? error.message.split('\n')[0]?.replace(/:$/, '') : undefined;
    throw new ConfigError({ source, path: '', expected: `valid YAML${where}`, received: reason, cause: error });
  }
  if (raw === null || raw === undefined) return {};
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) throw configErrorFrom(parsed.error, source, raw);
  return parsed.data;
}

/**
 * The first issue as a ConfigError: the key path (down to an unknown key itself), what a valid
 * value looks like, and what was found when `raw` (the parsed file) is given.
 */
export function configErrorFrom(error: z.ZodError, source: string, raw?: unknown): ConfigError {
  const { issue, path } = innermostIssue(error.issues[0]!, []);
  const keys = path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeys(keys);
    return new ConfigError({
      source,
      path: [...keys, issue.keys[0] ?? ''].join('.'),
      expected:
        `no unknown key (found ${issue.keys.map((key) => JSON.stringify(key)).join(', ')})` +
        (known.length > 0 ? `; known keys here: ${known.join(', ')}` : ''),
      cause: error,
    });
  }
  const found = raw === undefined ? undefined : valueAt(raw, path);
  return new ConfigError({
    source,
    path: keys.join('.'),
    expected: describeExpected(issue),
    received: found?.present ? describeValue(found.value) : undefined,
    cause: error,
  });
}

/**
 * A union (`pricing:` is one entry or a list of entries) reports every branch. When exactly one
 * branch accepted the value's type, its own issue is the one to show, at its full path.
 */
function innermostIssue(
  issue: z.core.$ZodIssue,
  prefix: readonly PropertyKey[],
): { issue: z.core.$ZodIssue; path: PropertyKey[] } {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union') return { issue, path };
  const matching = issue.errors.filter(
    (branch) => branch.length > 0 && !(branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0),
  );
  if (matching.length === 1) return innermostIssue(matching[0]![0]!, path);
  return { issue, path };
}

function describeExpected(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return describeType(String(issue.expected));
    case 'too_small':
      return `${issue.origin === 'number' ? 'a number' : `a ${issue.origin}`} ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.origin === 'number' ? 'a number' : `a ${issue.origin}`} ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
    case 'invalid_union': {
      const options = issue.errors.map((branch) => (branch[0] ? describeExpected(branch[0]) : 'another value'));
      return [...new Set(options)].join(' or ');
    }
    default:
      return issue.message;
  }
}

function describeType(expected: string): string {
  switch (expected) {
    case 'boolean':
      return 'true or false';
    case 'int':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'string':
      return 'a string';
    case 'object':
    case 'record':
      return 'a mapping (key: value)';
    case 'array':
      return 'a list';
    default:
      return expected;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): { present: boolean; value?: unknown } {
  let value = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !(key in value)) return { present: false };
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return { present: true, value };
}

/** The keys the schema allows at `path`, for "did you mean" help; empty when unknown. */
function knownKeys(path: readonly string[]): string[] {
  try {
    let schemas: unknown[] = [configFileSchema];
    for (const key of path)
      schemas = schemas.flatMap((schema) => objectOptions(schema)).flatMap((schema) => child(schema, key));
    const keys = schemas
      .flatMap((schema) => objectOptions(schema))
      .flatMap((schema) => {
        const shape = (schema as { shape?: Record<string, unknown> }).shape;
        return shape ? Object.keys(shape) : [];
      });
    return [...new Set(keys)];
  } catch {
    return [];
  }
}

type SchemaDef = { type?: string; innerType?: unknown; options?: unknown[]; valueType?: unknown; element?: unknown };

function definition(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** The object, record or array schemas a value at this place may match (optional, default and union unwrapped). */
function objectOptions(schema: unknown): unknown[] {
  const def = definition(schema);
  if (!def) return [];
  if ((def.type === 'optional' || def.type === 'default') && def.innerType) return objectOptions(def.innerType);
  if (def.type === 'union' && def.options) return def.options.flatMap((option) => objectOptions(option));
  return [schema];
}

function child(schema: unknown, key: string): unknown[] {
  const def = definition(schema);
  if (def?.type === 'object') {
    const next = (schema as { shape: Record<string, unknown> }).shape[key];
    return next === undefined ? [] : [next];
  }
  if (def?.type === 'record' && def.valueType) return [def.valueType];
  if (def?.type === 'array' && def.element && /^\d+$/.test(key)) return [def.element];
  return [];
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** Parses a boolean environment variable; anything unrecognized is a ConfigError naming it. */
export function envBoolean(env: Record<string, string | undefined>, name: string): boolean | undefined {
  const value = env[name];
  if (value === undefined || value.trim() === '') return undefined;
  const normalized = value.trim().toLowerCase();
  if (TRUE.has(normalized)) return true;
  if (FALSE.has(normalized)) return false;
  throw new ConfigError({
    source: 'environment',
    path: name,
    expected: 'true or false',
    received: JSON.stringify(value),
  });
}
