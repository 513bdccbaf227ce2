/**
 * What becomes of a verified event that is not queued: it is answered 2xx (so the provider neither
 * retries nor disables the webhook) with its reason, and recorded through `SourceEventLog`, a narrow
 * port: a log line, and the dispatcher's per-source counters (shown in /v1/status, the dashboard and
 * metrics). A record that fails or is slow never changes the answer: the event was verified and answered.
 */
import { logEvent } from "../log";

/** Why a verified event was not queued; stable words, shown to the provider and counted per source. */
export const IGNORED_REASONS = {
  "unhandled-event": "the source maps no such event type",
  filtered: "the event does not meet its mapping's `when`",
  "no-open-id": "none of the openId paths holds text",
  "missing-field": "a field the templateValue or dedupKey needs is missing or unusable",
  "invalid-notification": "the notification breaks AlipayHK's limits (300 characters per element, …)",
  expired: "the event is older than the source's expiresAfter",
  "malformed-event": "the verified body is not an event of the provider's shape",
  "delivery-conflict": "this delivery id was queued before with other content; nothing was queued again",
} as const;

/** One of `IGNORED_REASONS`. */
export type IgnoredReason = keyof typeof IGNORED_REASONS;

/** The record of one ignored event, as the dispatcher will count it. */
export interface IgnoredSourceEvent {
  /** The source's name (RELAY_SOURCES). */
  source: string;
  outcome: "ignored";
  reason: IgnoredReason;
  /** The event type, when the event could be read that far. */
  eventType: string | null;
  /** The provider's delivery id, when it gives one. */
  deliveryId: string | null;
  /** When it was answered, ms since the epoch. */
  at: number;
}

/** Where ignored events are recorded. */
export interface SourceEventLog {
  ignored(event: IgnoredSourceEvent): Promise<void>;
}

/** The record as one JSON log line (`source_event_ignored`); never the event's payload. */
export const loggedSourceEvents: SourceEventLog = {
  async ignored(event) {
    const { source, outcome, reason, eventType, deliveryId } = event;
    logEvent({ event: "source_event_ignored", source, outcome, reason, eventType, deliveryId });
  },
};

/** What counts ignored events: the dispatcher (`DispatcherApi.recordSourceEvent`). */
export interface SourceEventCounter {
  recordSourceEvent(event: Pick<IgnoredSourceEvent, "source" | "reason" | "eventType" | "at">): Promise<void>;
}

/** How long the answer waits for the count, ms: a provider waits a few seconds at most (Shopify 5 s). */
export const RECORD_WAIT_MS = 1_000;

/**
 * The log line, then the count by `counter`, waited for at most `waitMs`: a count that fails is logged
 * (`source_event_not_counted`) and never thrown, one that takes longer is left to land on its own.
 */
export function countedSourceEvents(counter: SourceEventCounter, waitMs = RECORD_WAIT_MS): SourceEventLog {
  return {
    async ignored(event) {
      await loggedSourceEvents.ignored(event);
      const { source, reason, eventType, at } = event;
      const counted = Promise.resolve()
        .then(() => counter.recordSourceEvent({ source, reason, eventType, at }))
        .catch((error: unknown) => {
          logEvent({
            event: "source_event_not_counted",
            source,
            reason,
            error: error instanceof Error ? error.message : String(error),
          });
        });
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([counted, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
      clearTimeout(timer);
    },
  };
}
