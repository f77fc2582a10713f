export { PostgresStore } from './postgres-store.js';
export type { PostgresStoreOptions } from './postgres-store.js';
export type { PgClientLike, PgPoolLike, PgResultLike } from './pg-pool.js';
export { applyPgMigrations, PG_LATEST_SCHEMA_VERSION } from './migrations.js';
