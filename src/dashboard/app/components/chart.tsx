import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { isolatedPoints } from './chart-points.js';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** A CSS colour; the palette in styles.css reads well on both themes. */
  color: string;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/**
 * A time-series chart (uPlot draws on a canvas; sizes and colours are set through the
 * DOM, which the page's CSP allows). The figure's caption names it; the numbers it shows
 * are also in the cards above, for screen readers.
 */
export function Chart(props: {
  title: string;
  times: number[];
  series: ChartSeries[];
  unit?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.series.map((s) => s.label).join('|');
  const theme = document.documentElement.dataset.theme;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axisColor = cssVar('--text-muted', '#555');
    const gridColor = cssVar('--border', '#ddd');
    const axis = {
      stroke: axisColor,
      grid: { stroke: gridColor, width: 1 },
      ticks: { stroke: gridColor, width: 1 },
    };
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height: 180,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [axis, { ...axis, size: 56, ...(props.unit ? { label: props.unit } : {}) }],
      series: [
        {},
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: `${s.color}22`,
          // Dots only where a value stands alone (see isolatedPoints); lines elsewhere.
          points: {
            show: true,
            size: 6,
            fill: s.color,
            filter: (u: uPlot, seriesIdx: number) =>
              isolatedPoints(u.data[seriesIdx] as (number | null)[]),
          },
          spanGaps: false,
        })),
      ],
    };
    const chart = new uPlot(opts, [props.times, ...props.series.map((s) => s.values)], el);
    plot.current = chart;
    const resize = new ResizeObserver(() =>
      chart.setSize({ width: Math.max(el.clientWidth, 200), height: 180 }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [shape, theme]);

  useEffect(() => {
    plot.current?.setData([props.times, ...props.series.map((s) => s.values)]);
  }, [props.times, props.series]);

  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} class="chart-canvas" role="img" aria-label={`${props.title} chart`} />
    </figure>
  );
}
