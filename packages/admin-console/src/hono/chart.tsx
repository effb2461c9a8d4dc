/** @module A meter's daily usage as a server-rendered SVG bar chart (no script). */
import type { DailySeries } from "../queries.js";

const WIDTH = 360;
const HEIGHT = 140;
const PAD_BOTTOM = 18;
const PAD_LEFT = 4;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * One bar per UTC day; each bar carries its day and value in a `<title>` (shown on hover) and in
 * `data-day`/`data-value`, so the figures can be read back exactly.
 *
 * @example
 * <UsageChart series={series} />
 */
export function UsageChart(props: { series: DailySeries }) {
  const { series } = props;
  const max = Math.max(1, ...series.days.map((d) => d.value));
  const total = series.days.reduce((sum, d) => sum + d.value, 0);
  const slot = (WIDTH - PAD_LEFT) / Math.max(1, series.days.length);
  const plot = HEIGHT - PAD_BOTTOM;
  const first = series.days[0];
  const last = series.days.at(-1);
  return (
    <div class="chart" data-meter={series.meter}>
      <h3>
        {series.meter} <span class="muted">({series.unit}, per day · total </span>
        <span class="total" data-total={String(total)}>
          {total.toLocaleString("en-US")}
        </span>
        <span class="muted">)</span>
      </h3>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-label={`${series.meter} per day`}>
        <line x1={PAD_LEFT} y1={plot} x2={WIDTH} y2={plot} stroke="#cbd2d9" />
        {series.days.map((d, i) => {
          const h = Math.round((d.value / max) * (plot - 8));
          return (
            <rect
              x={(PAD_LEFT + i * slot + 1).toFixed(1)}
              y={String(plot - h)}
              width={Math.max(1, slot - 2).toFixed(1)}
              height={String(h)}
              fill="#3e7bfa"
              data-day={day(d.startMs)}
              data-value={String(d.value)}
            >
              <title>{`${day(d.startMs)}: ${d.value}`}</title>
            </rect>
          );
        })}
        <text x={PAD_LEFT} y={HEIGHT - 4} font-size="10" fill="#7b8794">
          {first ? day(first.startMs) : ""}
        </text>
        <text x={WIDTH} y={HEIGHT - 4} font-size="10" fill="#7b8794" text-anchor="end">
          {last ? day(last.startMs) : ""}
        </text>
      </svg>
    </div>
  );
}
