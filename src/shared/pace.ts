// A long loop of awaited SQLite calls never lets the event loop turn: better-sqlite3 answers synchronously,
// so every await resolves as a microtask, and heartbeats wait until the loop ends (an offline sweep that
// opened 300,000 incidents held them for three minutes). A pacer gives the event loop a turn whenever its
// budget has passed since the last one: the loop's work is the same, its stalls are bounded.

/** Lets timers and I/O that are due run before going on. */
export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Call the returned function in each round of a long loop: it yields once `budgetMs` have passed since it last did. */
export function pacer(budgetMs = 20): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < budgetMs) return;
    await yieldToEventLoop();
    since = performance.now();
  };
}
