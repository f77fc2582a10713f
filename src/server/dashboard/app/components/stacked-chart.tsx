import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const PALETTE = [
  '#4f6bed',
  '#16a394',
  '#f59f00',
  '#e8590c',
  '#ae3ec9',
  '#1c7ed6',
  '#d6336c',
  '#66a80f',
  '#868e96',
  '#0ca678',
];

export interface StackedSeries {
  label: string;
  /** One value per x, in chart units (a float is fine for drawing; tables show exact amounts). */
  values: number[];
}

interface Props {
  /** Bucket start times, in seconds since the epoch (UTC). */
  x: number[];
  series: StackedSeries[];
  /** Bucket width in seconds, for the bar width and the axis labels. */
  bucketSeconds: number;
  formatValue: (value: number) => string;
  label: string;
}

/**
 * Stacked bars: each series is drawn as the running total up to it, topmost first, so the visible
 * slice of each bar is that series' own value. The legend shows the series' own value, not the
 * running total.
 */
export function StackedChart({ x, series, bucketSeconds, formatValue, label }: Props) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const running: number[][] = [];
    let previous = x.map(() => 0);
    for (const entry of series) {
      previous = previous.map((sum, index) => sum + (entry.values[index] ?? 0));
      running.push(previous);
    }
    const order = series.map((_, index) => index).reverse();
    const bars = uPlot.paths.bars!({ size: [0.7, 48], align: 0 });
    const options: uPlot.Options = {
      width: Math.max(320, element.clientWidth),
      height: 280,
      padding: [12, 12, 0, 4],
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      legend: { live: true },
      scales: {
        x: { time: true, range: (_u, min, max) => [min - bucketSeconds * 0.6, max + bucketSeconds * 0.6] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        {
          stroke: '#5c6370',
          grid: { show: false },
          ticks: { stroke: '#dfe3e8' },
          // Ticks on bucket starts only, labelled in UTC, at most about a dozen of them.
          splits: () => x.filter((_, index) => index % Math.max(1, Math.ceil(x.length / 12)) === 0),
          values: (_u, splits) => splits.map((seconds) => axisLabel(seconds, bucketSeconds)),
        },
        {
          stroke: '#5c6370',
          grid: { stroke: '#eef0f3' },
          ticks: { stroke: '#dfe3e8' },
          size: 72,
          values: (_u, values) => values.map((value) => formatValue(value)),
        },
      ],
      series: [
        { label: 'Time (UTC)', value: (_u, value) => (value === null ? '—' : timeLabel(value, bucketSeconds)) },
        ...order.map((index) => {
          const entry = series[index]!;
          const color = PALETTE[index % PALETTE.length]!;
          return {
            label: entry.label,
            stroke: color,
            fill: color,
            width: 0,
            paths: bars,
            points: { show: false },
            value: (_u: uPlot, _value: number | null, _series: number, row: number | null) =>
              row === null ? '—' : formatValue(entry.values[row] ?? 0),
          } satisfies uPlot.Series;
        }),
      ],
    };
    const data = [x, ...order.map((index) => running[index]!)] as uPlot.AlignedData;
    const chart = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(320, element.clientWidth), height: 280 }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [x, series, bucketSeconds, formatValue]);
  return <div class="chart" ref={container} role="img" aria-label={label} />;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function axisLabel(seconds: number, bucketSeconds: number): string {
  const date = new Date(seconds * 1000);
  const day = `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}`;
  if (bucketSeconds >= 86_400) return day;
  const hour = `${String(date.getUTCHours()).padStart(2, '0')}:00`;
  return date.getUTCHours() === 0 ? `${hour}\n${day}` : hour;
}

function timeLabel(seconds: number, bucketSeconds: number): string {
  const iso = new Date(seconds * 1000).toISOString();
  return bucketSeconds >= 86_400 ? iso.slice(0, 10) : `${iso.slice(0, 13).replace('T', ' ')}:00`;
}
