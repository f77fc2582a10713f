export { timeHandler, timeHandlers, DEFAULT_SLOW_CALLBACK_MS } from './timed-handler.js';
export type { CallbackObserver, SlowCallbackLogger, TimedHandlerOptions } from './timed-handler.js';
