/** Splitting accepted notifications into AlipayHK-sized requests. */

/** AlipayHK: `notificationInfos` "can not have more than 100 elements". */
export const MAX_BATCH_SIZE = 100;

/**
 * Splits items into consecutive batches of at most `size` (1..100, default 100), order kept; every
 * batch but the last is full. Throws RangeError only for a size outside 1..100 (a programming error).
 */
export function toBatches<T>(items: readonly T[], size: number = MAX_BATCH_SIZE): T[][] {
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE) {
    throw new RangeError(`batch size must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${size}`);
  }
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    batches.push(items.slice(start, start + size));
  }
  return batches;
}
