// A sweep's solves (Pareto points, what-if scenarios) run a few at a time, each answer handed on
// without holding up the next solve. Shared by pareto.ts and what-if.ts.

/** Runs `work` over items with at most `limit` at once; the first rejection stops new starts and is thrown. */
export async function mapLimited<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await work(items[i], i);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  return out;
}

/**
 * Runs `hand` in a later turn of the event loop (setImmediate): by then the lane that produced what it
 * hands on has started its next solve, which reaches its solver first. Resolves to what `hand` threw,
 * if anything (for the caller to throw once the sweep is in), never rejects.
 */
export function handOverLater(hand: () => void): Promise<{ error: unknown } | undefined> {
  return new Promise((resolve) =>
    setImmediate(() => {
      try {
        hand();
        resolve(undefined);
      } catch (error) {
        resolve({ error });
      }
    }),
  );
}
