/**
 * What becomes of a verified event that is not queued: it is answered 2xx (so the provider neither
 * retries nor disables the webhook) with its reason, and recorded. The record goes through
 * `SourceEventLog`, a narrow port: today a log line; the dispatcher's counters (shown in /v1/status,
 * the dashboard and metrics) plug in behind the same interface.
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
