export { PerformanceMonitor } from './performance-monitor.js';
export type { ModelPerformance, MonitorSnapshot, PerformanceMonitorOptions } from './performance-monitor.js';
export { DEFAULT_THRESHOLDS } from './monitor-events.js';
export type { MonitorEvent, MonitorEventName, MonitorListener, MonitorThresholds } from './monitor-events.js';
export type { DailyUsageRow } from './daily-usage.js';
export type { LatencySummary } from './model-window.js';
