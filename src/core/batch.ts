/** Splitting accepted notifications into AlipayHK-sized requests, each serialized once for the wire. */
import type { NotificationInfo } from "./types";

/** AlipayHK: `notificationInfos` "can not have more than 100 elements". */
export const MAX_BATCH_SIZE = 100;

/**
 * A batch as it is stored and sent: the exact JSON text of its `notificationInfos` array, spliced into
 * every request of the batch unchanged (serialized once at accept time, never parsed again to send).
 */
export interface WireBatch {
  /** Notifications in the batch (1..100). */
  size: number;
  /** The `notificationInfos` array as compact JSON text, e.g. `[{"openId":…,"templateCode":…,"templateValue":"…"}]`. */
  infos: string;
  /**
   * Per element, the caller's `dedupKey` (null: none); present only when the request carried any. With
   * `lengths` the dispatcher can drop a duplicate by slicing `infos`, never serializing it again.
   */
  dedupKeys?: (string | null)[];
  /** Per element, the length of its JSON text inside `infos` (elements are joined by single commas). */
  lengths?: number[];
}

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

/** One notification's compact JSON with exactly the three documented members, in the documented order. */
export function notificationText(n: NotificationInfo): string {
  return JSON.stringify({ openId: n.openId, templateCode: n.templateCode, templateValue: n.templateValue });
}

/** The `notificationInfos` array text of some notifications (the wire form of a batch). */
export function notificationInfosText(notifications: readonly NotificationInfo[]): string {
  return wireBatch(notifications.map(notificationText)).infos;
}

/** A batch from elements already in their wire form (each one's compact JSON text, see notificationText). */
export function wireBatch(elementTexts: readonly string[], dedupKeys?: readonly (string | null)[]): WireBatch {
  const infos = `[${elementTexts.join(",")}]`;
  if (!dedupKeys?.some((key) => key !== null)) return { size: elementTexts.length, infos };
  return { size: elementTexts.length, infos, dedupKeys: [...dedupKeys], lengths: elementTexts.map((t) => t.length) };
}

/** Packs notifications into wire batches of at most `size` (default 100). */
export function packBatches(notifications: readonly NotificationInfo[], size: number = MAX_BATCH_SIZE): WireBatch[] {
  return toBatches(notifications, size).map((batch) => ({ size: batch.length, infos: notificationInfosText(batch) }));
}

/** Packs notifications with their `dedupKey`s (aligned by index): each batch carries its keys and element lengths. */
export function packKeyedBatches(
  notifications: readonly NotificationInfo[],
  keys: readonly (string | null)[],
  size: number = MAX_BATCH_SIZE,
): WireBatch[] {
  const texts = notifications.map(notificationText);
  const batches: WireBatch[] = [];
  for (let start = 0; start < texts.length; start += size) {
    const chunk = texts.slice(start, start + size);
    batches.push({
      size: chunk.length,
      infos: `[${chunk.join(",")}]`,
      dedupKeys: keys.slice(start, start + chunk.length).map((k) => k ?? null),
      lengths: chunk.map((t) => t.length),
    });
  }
  return batches;
}

/**
 * The text of elements `from` .. `from + count - 1` of a `notificationInfos` array's text, joined by
 * commas as on the wire. The text is compact JSON as the relay wrote it (see `notificationText`), so
 * only strings need care (a `,` or `}` inside one is not a boundary); the scan stops at the last
 * element wanted.
 */
export function sliceElements(infos: string, from: number, count: number): string {
  if (from < 0 || count < 1) throw new RangeError(`elements ${from}..${from + count - 1}`);
  let depth = 0;
  let inString = false;
  let element = -1;
  let start = -1;
  for (let i = 0; i < infos.length; i++) {
    const c = infos.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (depth === 1 && c === 0x7b && ++element === from) start = i;
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      // The closing brace of the last element wanted.
      if (depth === 1 && element === from + count - 1) return infos.slice(start, i + 1);
    }
  }
  throw new RangeError(`elements ${from}..${from + count - 1} of ${element + 1}`);
}
