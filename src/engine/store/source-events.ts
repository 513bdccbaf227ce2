/**
 * Storefront events a source verified and answered 2xx without queuing them (an unhandled type, no
 * openId, a broken limit, …), counted per source and reason in `source_events`: one UPSERT per event,
 * one row per (source, reason) however many arrive. The counts are durable (they survive restarts),
 * unlike the engine's in-memory figures.
 */
import type { SourceEventRecord, SourceView } from "../api";
import type { SqlAdapter } from "./sql";

/** The longest event type kept, in characters: it is the provider's text, shown as is. */
const EVENT_TYPE_KEPT = 128;

interface SourceEventRow {
  source: string;
  reason: string;
  count: number;
  last_at: number;
  last_event_type: string | null;
}

/** The `source_events` table. */
export class SourceEvents {
  private readonly sql: SqlAdapter;

  constructor(sql: SqlAdapter) {
    this.sql = sql;
  }

  /** Counts one ignored event under its source and reason. */
  record(event: SourceEventRecord): void {
    this.sql.exec(
      `INSERT INTO source_events (source, reason, count, last_at, last_event_type) VALUES (?, ?, 1, ?, ?)
       ON CONFLICT (source, reason) DO UPDATE SET count = count + 1, last_at = MAX(last_at, excluded.last_at),
         last_event_type = CASE WHEN excluded.last_at >= last_at THEN excluded.last_event_type ELSE last_event_type END`,
      event.source,
      event.reason,
      event.at,
      event.eventType === null ? null : event.eventType.slice(0, EVENT_TYPE_KEPT),
    );
  }

  /** Every source with an ignored event: its counts by reason and the latest, sources in name order. */
  summary(): SourceView[] {
    const rows = this.sql.exec<SourceEventRow>(
      "SELECT source, reason, count, last_at, last_event_type FROM source_events ORDER BY source, reason",
    );
    const bySource = new Map<string, { view: SourceView; lastAt: number }>();
    for (const row of rows) {
      let entry = bySource.get(row.source);
      if (!entry) {
        entry = {
          view: { source: row.source, ignored: {}, lastIgnoredAt: "", lastReason: row.reason, lastEventType: null },
          lastAt: -1,
        };
        bySource.set(row.source, entry);
      }
      entry.view.ignored[row.reason] = row.count;
      if (row.last_at > entry.lastAt) {
        entry.lastAt = row.last_at;
        entry.view.lastIgnoredAt = new Date(row.last_at).toISOString();
        entry.view.lastReason = row.reason;
        entry.view.lastEventType = row.last_event_type;
      }
    }
    return [...bySource.values()].map((entry) => entry.view);
  }
}
