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
  const explicit = configFile ?? env.LLM_LEDGER_CONFIG;
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (explicit !== undefined) {
      throw new ConfigError({ source: path, path: '', expected: 'an existing YAML file', received: 'no such file' });
    }
    return { path: null, file: {} };
  }
  return { path, file: parseConfigText(readFileSync(path, 'utf8'), path) };
}

export function parseConfigText(text: string, source: string): ConfigFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` (line ${error.linePos[0].line})` : '';
    throw new ConfigError({ source, path: '', expected: `valid YAML${where}`, cause: error });
  }
  if (raw === null || raw === undefined) return {};
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) throw configErrorFrom(parsed.error, source);
  return parsed.data;
}

export function configErrorFrom(error: z.ZodError, source: string): ConfigError {
  const issue = error.issues[0]!;
  const path = issue.path.map(String).join('.');
  let expected = issue.message;
  if (issue.code === 'invalid_type') expected = String(issue.expected);
  if (issue.code === 'unrecognized_keys') expected = `no unknown keys (found ${issue.keys.join(', ')})`;
  return new ConfigError({ source, path, expected, cause: error });
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
