import type { JSX } from 'preact';
import { describeCallFailure } from '../logic/format.js';

/** A failed call, shown with its Connect code and the server's message; nothing when there is no error. */
export function ErrorBanner(props: { error: unknown; context?: string }): JSX.Element | null {
  if (props.error === undefined || props.error === null) return null;
  const failure = describeCallFailure(props.error);
  return (
    <div class="error-banner" role="alert" data-testid="error-banner" data-code={failure.code}>
      {props.context ? <span class="error-context">{props.context}: </span> : null}
      <strong>
        {failure.code} ({failure.codeNumber})
      </strong>{' '}
      <span data-testid="error-message">{failure.message}</span>
    </div>
  );
}
