export { FileSpool, SpoolInUseError } from './file-spool.js';
export type { FileSpoolOptions } from './file-spool.js';
export { DEFAULT_SPOOL_DIRECTORY, hasLeftoverSpool, openProcessSpool } from './process-spool.js';
export { installShutdownHooks } from './shutdown-hooks.js';
export type { Closable, ShutdownHookOptions } from './shutdown-hooks.js';
export { DeadLetterDirectory, readDeadLetterFile } from './dead-letter-file.js';
export type { DeadLetterLine } from './dead-letter-file.js';
