import type { JSX } from 'preact';
import { formatDuration } from '../logic/format.js';
import type { WaterfallLayout, WaterfallRow } from '../logic/waterfall-layout.js';

function title(row: WaterfallRow): string {
  const attrs = Object.entries(row.attributes)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  const status = row.error ? [`error: ${row.statusMessage || 'failed'}`] : [];
  return [`${row.name}: ${formatDuration(row.durationMs)}${row.running ? ' (running)' : ''}, from +${formatDuration(row.startMs)}`, ...status, ...attrs].join('\n');
}

/**
 * The job's trace as a waterfall: one row per span, indented by depth, its bar placed on the
 * job's time axis. Critical-path spans, failed spans and running spans are marked (in text for
 * screen readers, in colour for eyes).
 */
export function Waterfall(props: { layout: WaterfallLayout }): JSX.Element {
  const { rows, totalMs } = props.layout;
  if (rows.length === 0) return <p class="muted">No spans recorded for this job.</p>;
  return (
    <div class="waterfall" data-testid="waterfall" role="table" aria-label="trace waterfall">
      <div class="waterfall-axis" role="row">
        <span role="columnheader">span</span>
        <span role="columnheader" class="axis-scale">
          <span>0</span>
          <span>{formatDuration(totalMs / 2)}</span>
          <span>{formatDuration(totalMs)}</span>
        </span>
        <span role="columnheader" class="num">
          duration
        </span>
      </div>
      {rows.map((row) => {
        const marks = [row.critical ? 'critical' : '', row.error ? 'error' : '', row.running ? 'running' : ''].filter(Boolean);
        return (
          <div
            key={row.spanId}
            role="row"
            class={['waterfall-row', ...marks].join(' ')}
            data-testid="waterfall-row"
            data-span-name={row.name}
            data-depth={row.depth}
            title={title(row)}
          >
            <span role="cell" class="span-name" style={{ paddingLeft: `${row.depth * 1.1}em` }}>
              {row.name}
              {marks.length > 0 ? <span class="span-marks"> ({marks.join(', ')})</span> : null}
            </span>
            <span role="cell" class="span-track">
              <span class="span-bar" style={{ left: `${row.offsetPct}%`, width: `${row.widthPct}%` }} />
            </span>
            <span role="cell" class="span-duration num">
              {formatDuration(row.durationMs)}
            </span>
          </div>
        );
      })}
    </div>
  );
}
