export { PerformanceMonitor } from './performance-monitor.js';
export type { PerformanceMonitorOptions } from './performance-monitor.js';
export { DEFAULT_THRESHOLDS } from './monitor-events.js';
export type {
  ModelPerformance,
  MonitorEvent,
  MonitorEventName,
  MonitorListener,
  MonitorSnapshot,
  MonitorThresholds,
} from './monitor-events.js';
export type { DailyUsageRow } from './daily-usage.js';
export type { LatencySummary } from './model-window.js';
