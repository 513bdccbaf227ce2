/**
 * Cloudflare lets one invocation wait on at most 6 outgoing connections at once; a seventh waits.
 * `wrangler dev` does not enforce it, so the relay enforces it itself and local runs show the real ceiling.
 */
export const MAX_CONNECTIONS_PER_INVOCATION = 6;

/** Runs `work` over `items` with at most `limit` running at once; resolves when all settled. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
