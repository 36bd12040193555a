import type { JSX } from 'preact';
import { formatCount } from '../logic/format.js';

/** A job's counters (system and user), sorted by name. */
export function CountersTable(props: { counters: Readonly<Record<string, bigint>> }): JSX.Element {
  const entries = Object.entries(props.counters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return <p class="muted">No counters yet.</p>;
  return (
    <table class="data counters" data-testid="counters">
      <thead>
        <tr>
          <th scope="col">counter</th>
          <th scope="col" class="num">
            value
          </th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <td>{name}</td>
            <td class="num">{formatCount(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
