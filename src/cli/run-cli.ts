import { isLedgerError } from '../core/errors.js';
import { suggestKey } from '../core/key-suggestions.js';
import { UsageError, type CliIo } from './command.js';
import { COMMANDS } from './commands/index.js';
import { printable } from './format/printable.js';

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'llm-ledger: an exact, lossless ledger of every LLM call',
    '',
    'Usage: llm-ledger <command> [options]',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every command takes --db PATH (default: LLM_LEDGER_DB, else ./.llm-ledger/ledger.db) and --help.',
    '',
  ].join('\n');
}

/** Runs one command line and returns the exit code; never throws for user mistakes. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(help());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr(`llm-ledger: unknown command "${printable(name)}"\n\n${help()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      const hint = flagSuggestion(error, command.usage);
      io.stderr(`llm-ledger ${command.name}: ${printable((error as Error).message)}${hint}\n\n${command.usage}\n`);
      return 2;
    }
    if (isLedgerError(error)) {
      io.stderr(`llm-ledger ${command.name}: ${printable(error.message)}\n`);
      return 1;
    }
    throw error;
  }
}

/** For an unknown flag: the flag of the command's usage it is closest to (`--users` -> `--user`). */
function flagSuggestion(error: unknown, usage: string): string {
  if ((error as { code?: unknown }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return '';
  const given = /'(-{1,2}[^'=\s]+)/.exec((error as Error).message)?.[1];
  if (given === undefined) return '';
  const flags = [...new Set([...usage.matchAll(/--([a-z][a-z0-9-]*)/g)].map((match) => match[1]!))];
  const suggestion = suggestKey(given.replace(/^-+/, ''), flags);
  return suggestion === undefined ? '' : ` (did you mean --${suggestion}?)`;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}
