import { createLogHandler } from '../src/observe/logging/log-handler.js';
import { existsSync, readFileSync } from 'node:fs';
const logs = createLogHandler({ destination: '/tmp/obsprof/dbg/a.jsonl', level: 'info', env: {} });
logs.logger.event('model_loaded', { model: 'x' });
await logs.close();
console.log(existsSync('/tmp/obsprof/dbg/a.jsonl'), existsSync('/tmp/obsprof/dbg/a.jsonl') && readFileSync('/tmp/obsprof/dbg/a.jsonl', 'utf8'));
