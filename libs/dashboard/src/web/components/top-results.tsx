import type { JSX } from 'preact';
import type { Record as ResultRecord } from '@weft/proto';
import { resultValueText } from '../logic/format.js';

/** The job's top results (ReadResults by value, descending, ties by key), ranked. */
export function TopResults(props: { records: readonly ResultRecord[] }): JSX.Element {
  if (props.records.length === 0) return <p class="muted">The job has no results.</p>;
  return (
    <table class="data" data-testid="top-results">
      <thead>
        <tr>
          <th scope="col" class="num">
            #
          </th>
          <th scope="col">key</th>
          <th scope="col" class="num">
            value
          </th>
        </tr>
      </thead>
      <tbody>
        {props.records.map((r, i) => (
          <tr key={r.key} data-testid="top-result">
            <td class="num">{i + 1}</td>
            <td data-testid="top-result-key">
              <code>{r.key}</code>
            </td>
            <td class="num" data-testid="top-result-value">
              {resultValueText(r.value)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
