export { FileSpool } from './file-spool.js';
export type { FileSpoolOptions } from './file-spool.js';
export { installShutdownHooks } from './shutdown-hooks.js';
export type { Closable } from './shutdown-hooks.js';
