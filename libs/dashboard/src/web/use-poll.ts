import { useEffect, useRef, useState } from 'preact/hooks';

/** The latest answer of a polled call, or why it failed. */
export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  /** Runs the call again now. */
  readonly reload: () => void;
}

/**
 * Calls `load` now and every `intervalMs` while the component is mounted (and `intervalMs` > 0),
 * one call at a time; a call still running when the component unmounts or `deps` change is
 * aborted. Keeps the last good data when a later call fails, with the failure in `error`.
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, deps: readonly unknown[]): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async (): Promise<void> => {
      try {
        const value = await loadRef.current(abort.signal);
        if (abort.signal.aborted) return;
        setData(value);
        setError(undefined);
      } catch (err) {
        if (abort.signal.aborted) return;
        setError(err);
      }
      if (intervalMs > 0) timer = setTimeout(() => void run(), intervalMs);
    };
    void run();
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [...deps, intervalMs, tick]); // deps are the caller's: `load` may close over them

  return { data, error, reload: () => setTick((t) => t + 1) };
}
