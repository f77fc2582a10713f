import type { CliCommand } from '../command.js';
import { command as calls } from './calls.js';
import { command as cost } from './cost.js';
import { command as demo } from './demo.js';
import { command as exportCommand } from './export.js';
import { command as migrate } from './migrate.js';
import { command as prices } from './prices.js';
import { command as proxy } from './proxy.js';
import { command as purge } from './purge.js';
import { command as report } from './report.js';
import { command as replay } from './replay.js';
import { command as reprice } from './reprice.js';
import { command as serve } from './serve.js';
import { command as trace } from './trace.js';
import { command as usage } from './usage.js';

/** Every command of the CLI, in the order `--help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  demo,
  report,
  calls,
  trace,
  prices,
  cost,
  reprice,
  usage,
  exportCommand,
  purge,
  replay,
  migrate,
  proxy,
  serve,
];
