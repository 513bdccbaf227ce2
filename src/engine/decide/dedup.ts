/**
 * Per-notification `dedupKey`s: a pure decision over the batches of one request. A notification whose
 * key the same caller already had accepted (within RELAY_DEDUP_HOURS), or whose key an earlier element
 * of this request carries, is dropped and counted `deduplicated`. What is left is packed again into
 * full batches by slicing the element texts out of each batch's `infos` (joined, never re-serialized).
 */
import { MAX_BATCH_SIZE, type WireBatch } from "../../core/batch";

/** What deduplication decided for one request. */
export interface Deduplicated {
  /** The batches left to send (the input batches unchanged when nothing was dropped). */
  batches: WireBatch[];
  /** Notifications dropped as duplicates. */
  deduplicated: number;
  /** The keys this request gets accepted under (first occurrences, not seen before), each with its notification's place in the job, to remember. */
  accepted: AcceptedKey[];
}

/** A key accepted with a notification: `seq` is the notification's place in its job (after deduplication). */
export interface AcceptedKey {
  key: string;
  seq: number;
}

/** Drops duplicate notifications; `seen(key)` says whether the caller's key is still remembered. */
export function dedupBatches(batches: readonly WireBatch[], seen: (key: string) => boolean): Deduplicated {
  if (!batches.some((b) => b.dedupKeys?.some((k) => k !== null)))
    return { batches: strip(batches), deduplicated: 0, accepted: [] };
  const taken = new Set<string>();
  const accepted: AcceptedKey[] = [];
  const kept: string[] = [];
  let deduplicated = 0;
  for (const batch of batches) {
    const texts = elementTexts(batch);
    texts.forEach((text, i) => {
      const key = batch.dedupKeys?.[i] ?? null;
      if (key !== null && (taken.has(key) || seen(key))) {
        deduplicated += 1;
        return;
      }
      if (key !== null) {
        taken.add(key);
        accepted.push({ key, seq: kept.length });
      }
      kept.push(text);
    });
  }
  if (deduplicated === 0) return { batches: strip(batches), deduplicated, accepted };
  const packed: WireBatch[] = [];
  for (let start = 0; start < kept.length; start += MAX_BATCH_SIZE) {
    const chunk = kept.slice(start, start + MAX_BATCH_SIZE);
    packed.push({ size: chunk.length, infos: `[${chunk.join(",")}]` });
  }
  return { batches: packed, deduplicated, accepted };
}

/** The JSON text of each element of a batch, cut from `infos` by the lengths the packer recorded. */
export function elementTexts(batch: WireBatch): string[] {
  const lengths = batch.lengths;
  if (!lengths || lengths.length !== batch.size)
    throw new Error("a batch with dedupKeys must carry its element lengths");
  const texts: string[] = [];
  let at = 1; // past "["
  for (const length of lengths) {
    texts.push(batch.infos.slice(at, at + length));
    at += length + 1; // past the element and its ","
  }
  return texts;
}

// The keys and lengths only serve this step; the outbox stores size and infos.
function strip(batches: readonly WireBatch[]): WireBatch[] {
  return batches.map((b) => ({ size: b.size, infos: b.infos }));
}
