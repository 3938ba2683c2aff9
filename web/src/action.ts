// One change sent to the server from a form or a button: whether it is running, what it said back
// (a confirmation to announce) or why it was refused (an ApiError the form places beside its field).
import { useCallback, useState } from 'react';

export interface Action {
  busy: boolean;
  error: unknown;
  done: string | null;
  /** Runs `fn`; the text it returns is announced as done, a throw is kept as the error. */
  run(fn: () => Promise<string | null | void>): Promise<boolean>;
  reset(): void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const reset = useCallback(() => { setError(null); setDone(null); }, []);
  const run = useCallback(async (fn: () => Promise<string | null | void>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      setDone((await fn()) ?? null);
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, done, run, reset };
}
