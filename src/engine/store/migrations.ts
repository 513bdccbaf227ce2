/**
 * The outbox's schema, as numbered migrations. Version 1 is the schema the first release created with
 * `CREATE TABLE IF NOT EXISTS` (kept verbatim, so a database made by it is recognised and upgraded); each
 * later step changes what is there, and the version reached is stored in `meta.schema_version`.
 *
 * Every step is a list of single statements: Durable Object storage and node:sqlite both run them one
 * by one, inside one transaction per step.
 */
import { type SqlAdapter, one } from "./sql";

const V1 = [
  `CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY, owner TEXT NOT NULL, idempotency_key TEXT, body_hash TEXT NOT NULL,
    merchant_id TEXT NOT NULL, total INTEGER NOT NULL, batch_count INTEGER NOT NULL,
    created_at INTEGER NOT NULL, completed_at INTEGER)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_idempotency ON jobs(owner, idempotency_key) WHERE idempotency_key IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs(owner, created_at)`,
  `CREATE TABLE IF NOT EXISTS batches (
    batch_id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, seq INTEGER NOT NULL,
    size INTEGER NOT NULL, notifications TEXT NOT NULL, state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, budget_spent INTEGER NOT NULL DEFAULT 0,
    traffic_requeues INTEGER NOT NULL DEFAULT 0, front INTEGER NOT NULL DEFAULT 0,
    next_at INTEGER NOT NULL, lease_until INTEGER, req_msg_id TEXT,
    result_status TEXT, result_code TEXT, result_msg TEXT)`,
  `CREATE INDEX IF NOT EXISTS batches_due ON batches(state, front DESC, next_at, batch_id)`,
  `CREATE INDEX IF NOT EXISTS batches_by_job ON batches(job_id, seq)`,
  `CREATE TABLE IF NOT EXISTS webhook_ids (id TEXT PRIMARY KEY, seen_at INTEGER NOT NULL, job_id TEXT NOT NULL, body_hash TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS attempts_log (at INTEGER NOT NULL, result_code TEXT NOT NULL, latency_ms INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS attempts_log_at ON attempts_log(at)`,
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
];

/**
 * Version 2: an outbox that stays small and is cheap to read.
 * - A batch's payload (the `notificationInfos` text) lives in its own table and is deleted when the
 *   batch settles, so its pages are freed whole and reused by the next payloads (a payload updated in
 *   place would leave its batch row alone on a mostly empty page); a failed batch keeps its openIds
 *   (what `failures` shows), nobody's template values.
 * - Jobs carry their counters (no SUM over batches on hot paths) and the webhook-id that created them,
 *   so a webhook retry is recognised for as long as the job exists (senders retry for hours).
 * - `sent_at` records when each batch last left: the pacer's window is rebuilt from it after a restart.
 * - Partial indexes match the hot queries: the due queue, leases, and the send window.
 * - The per-attempt log is gone: status figures are kept in memory.
 */
const V2 = [
  `ALTER TABLE jobs ADD COLUMN webhook_id TEXT`,
  `ALTER TABLE jobs ADD COLUMN succeeded INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE jobs ADD COLUMN failed INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE jobs ADD COLUMN settled_batches INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE jobs ADD COLUMN attempted_batches INTEGER NOT NULL DEFAULT 0`,
  `UPDATE jobs SET webhook_id = (SELECT w.id FROM webhook_ids w WHERE w.job_id = jobs.job_id LIMIT 1)`,
  `DROP TABLE webhook_ids`,
  `CREATE UNIQUE INDEX jobs_by_webhook ON jobs(webhook_id) WHERE webhook_id IS NOT NULL`,
  `CREATE INDEX jobs_completed ON jobs(completed_at) WHERE completed_at IS NOT NULL`,
  `CREATE TABLE payloads (batch_id INTEGER PRIMARY KEY, infos TEXT NOT NULL)`,
  `INSERT INTO payloads (batch_id, infos) SELECT batch_id, notifications FROM batches WHERE state IN ('queued', 'in_flight')`,
  `ALTER TABLE batches ADD COLUMN open_ids TEXT`,
  `ALTER TABLE batches ADD COLUMN sent_at INTEGER`,
  `UPDATE batches SET open_ids = (SELECT json_group_array(json_extract(value, '$.openId')) FROM json_each(batches.notifications))
     WHERE state = 'failed'`,
  `ALTER TABLE batches DROP COLUMN notifications`,
  `UPDATE jobs SET
     succeeded = (SELECT COALESCE(SUM(size), 0) FROM batches b WHERE b.job_id = jobs.job_id AND b.state = 'succeeded'),
     failed = (SELECT COALESCE(SUM(size), 0) FROM batches b WHERE b.job_id = jobs.job_id AND b.state = 'failed'),
     settled_batches = (SELECT COUNT(*) FROM batches b WHERE b.job_id = jobs.job_id AND b.state IN ('succeeded', 'failed')),
     attempted_batches = (SELECT COUNT(*) FROM batches b WHERE b.job_id = jobs.job_id AND b.attempts > 0)`,
  `DROP INDEX batches_due`,
  `CREATE INDEX batches_queued ON batches(front DESC, next_at, batch_id) WHERE state = 'queued'`,
  `CREATE INDEX batches_leased ON batches(lease_until) WHERE state = 'in_flight'`,
  `CREATE INDEX batches_sent ON batches(sent_at) WHERE sent_at IS NOT NULL`,
  `DROP TABLE attempts_log`,
];

/**
 * Version 3: operator controls and delivery policies.
 * - Jobs count their `cancelled`, `expired` and `deduplicated` notifications (a batch that ends so
 *   settles like any other), and keep their policies: `send_after` and `expires_at` (ms epoch),
 *   `on_unknown` (`retry` | `fail`) and the completion callback with its delivery state.
 * - Batches copy the two policies their sending path reads (`expires_at`, `at_most_once`), so the due
 *   queue and settlement read one row, as before; a partial index finds the next expiry.
 * - `dedup_keys` remembers each caller's accepted `dedupKey`s for RELAY_DEDUP_HOURS.
 * Existing rows keep today's behaviour: no deadline, at-least-once, no callback.
 */
const V3 = [
  `ALTER TABLE jobs ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE jobs ADD COLUMN expired INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE jobs ADD COLUMN deduplicated INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE jobs ADD COLUMN send_after INTEGER`,
  `ALTER TABLE jobs ADD COLUMN expires_at INTEGER`,
  `ALTER TABLE jobs ADD COLUMN on_unknown TEXT NOT NULL DEFAULT 'retry'`,
  `ALTER TABLE jobs ADD COLUMN callback_url TEXT`,
  `ALTER TABLE jobs ADD COLUMN callback_id TEXT`,
  `ALTER TABLE jobs ADD COLUMN callback_status TEXT`,
  `ALTER TABLE jobs ADD COLUMN callback_attempts INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE jobs ADD COLUMN callback_last_error TEXT`,
  `ALTER TABLE jobs ADD COLUMN callback_next_at INTEGER`,
  `CREATE INDEX jobs_callback_due ON jobs(callback_next_at) WHERE callback_status = 'pending'`,
  `ALTER TABLE batches ADD COLUMN expires_at INTEGER`,
  `ALTER TABLE batches ADD COLUMN at_most_once INTEGER NOT NULL DEFAULT 0`,
  `CREATE INDEX batches_expiring ON batches(expires_at) WHERE state = 'queued' AND expires_at IS NOT NULL`,
  `CREATE TABLE dedup_keys (owner TEXT NOT NULL, dedup_key TEXT NOT NULL, job_id TEXT NOT NULL, accepted_at INTEGER NOT NULL,
     PRIMARY KEY (owner, dedup_key))`,
  `CREATE INDEX dedup_keys_age ON dedup_keys(accepted_at)`,
];

/**
 * Version 4: requests assembled at the slot. The queue holds notifications, not pre-cut batches:
 * - `runs`: a job's consecutive notifications that share a fate (a range of one payload's elements),
 *   with their own attempts, budget, policies and state; a request can take part of a run, which
 *   splits it (the part taken becomes its own run; no text is copied).
 * - `requests`: one AlipayHK request (reqMsgId, merchant, size, when it left, its lease and answer);
 *   runs point at the request they last rode on. The pace window is rebuilt from `requests.sent_at`.
 * - `payloads` keep the wire text and its number of notifications, keyed by payload (a batch's id for
 *   the batches carried over), and go once no open run needs them.
 * - Jobs count notifications only: `attempted` (sent at least once); the batch counters go.
 * Every batch becomes a run of the same id and payload; a batch that was ever sent becomes the request
 * it last rode on (in flight, lost in flight, or answered), so nothing queued or leased is lost.
 */
const V4 = [
  `CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, seq INTEGER NOT NULL, count INTEGER NOT NULL,
    payload_id INTEGER NOT NULL, first INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, budget_spent INTEGER NOT NULL DEFAULT 0, traffic_requeues INTEGER NOT NULL DEFAULT 0,
    front INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, expires_at INTEGER, at_most_once INTEGER NOT NULL DEFAULT 0,
    request_id INTEGER, result_status TEXT, result_code TEXT, result_msg TEXT, open_ids TEXT)`,
  `CREATE TABLE requests (
    request_id INTEGER PRIMARY KEY AUTOINCREMENT, req_msg_id TEXT NOT NULL, merchant_id TEXT NOT NULL, size INTEGER NOT NULL,
    state TEXT NOT NULL, sent_at INTEGER NOT NULL, lease_until INTEGER, result_status TEXT, result_code TEXT, result_msg TEXT)`,
  `INSERT INTO requests (request_id, req_msg_id, merchant_id, size, state, sent_at, lease_until, result_status, result_code, result_msg)
     SELECT b.batch_id, b.req_msg_id, j.merchant_id, b.size,
       CASE WHEN b.state = 'in_flight' THEN 'in_flight' WHEN b.state = 'queued' AND b.result_code = 'LOST_IN_FLIGHT' THEN 'lost' ELSE 'ended' END,
       COALESCE(b.sent_at, 0), b.lease_until, b.result_status, b.result_code, b.result_msg
     FROM batches b JOIN jobs j ON j.job_id = b.job_id WHERE b.req_msg_id IS NOT NULL`,
  `INSERT INTO runs (run_id, job_id, seq, count, payload_id, first, state, attempts, budget_spent, traffic_requeues, front, next_at,
       expires_at, at_most_once, request_id, result_status, result_code, result_msg, open_ids)
     SELECT batch_id, job_id, seq * 100, size, batch_id, 0, CASE state WHEN 'in_flight' THEN 'leased' ELSE state END,
       attempts, budget_spent, traffic_requeues, front, next_at, expires_at, at_most_once,
       CASE WHEN req_msg_id IS NULL THEN NULL ELSE batch_id END, result_status, result_code, result_msg, open_ids
     FROM batches`,
  `ALTER TABLE payloads ADD COLUMN count INTEGER NOT NULL DEFAULT 0`,
  `UPDATE payloads SET count = (SELECT b.size FROM batches b WHERE b.batch_id = payloads.batch_id)`,
  `DROP TABLE batches`,
  `ALTER TABLE payloads RENAME COLUMN batch_id TO payload_id`,
  `ALTER TABLE jobs ADD COLUMN attempted INTEGER NOT NULL DEFAULT 0`,
  `UPDATE jobs SET attempted = (SELECT COALESCE(SUM(r.count), 0) FROM runs r WHERE r.job_id = jobs.job_id AND r.attempts > 0)`,
  `ALTER TABLE jobs DROP COLUMN batch_count`,
  `ALTER TABLE jobs DROP COLUMN settled_batches`,
  `ALTER TABLE jobs DROP COLUMN attempted_batches`,
  `CREATE INDEX runs_by_job ON runs(job_id, seq)`,
  `CREATE INDEX runs_by_request ON runs(request_id) WHERE request_id IS NOT NULL`,
  `CREATE INDEX runs_queued ON runs(next_at) WHERE state = 'queued'`,
  `CREATE INDEX runs_open_payload ON runs(payload_id) WHERE state IN ('staged', 'queued', 'leased')`,
  `CREATE INDEX runs_expiring ON runs(expires_at) WHERE state = 'queued' AND expires_at IS NOT NULL`,
  `CREATE INDEX requests_leased ON requests(lease_until) WHERE state = 'in_flight'`,
  `CREATE INDEX requests_sent ON requests(sent_at)`,
];

/**
 * Version 5: storefront events a source verified but did not queue (an unhandled type, no openId, a
 * broken limit, …), counted per source and reason: one row each, moved by one UPSERT per event, so the
 * counts survive restarts and cost one row however many events arrive.
 */
const V5 = [
  `CREATE TABLE source_events (
    source TEXT NOT NULL, reason TEXT NOT NULL, count INTEGER NOT NULL, last_at INTEGER NOT NULL, last_event_type TEXT,
    PRIMARY KEY (source, reason))`,
];

/**
 * Version 6: remembered `dedupKey`s know their notification, and are found by job and by caller.
 * - `seq`: the notification's place in its job, so the keys of notifications that end without ever
 *   leaving (cancelled, expired) are forgotten, and resubmitting them is not taken for a duplicate.
 *   Keys remembered before have none: they stay until they age out, as before.
 * - An index by job (forgetting a job's keys) and by caller and age (forgetting a caller's oldest keys
 *   beyond RELAY_MAX_DEDUP_KEYS).
 */
const V6 = [
  `ALTER TABLE dedup_keys ADD COLUMN seq INTEGER`,
  `CREATE INDEX dedup_keys_by_job ON dedup_keys(job_id, seq)`,
  `CREATE INDEX dedup_keys_by_owner ON dedup_keys(owner, accepted_at)`,
];

/** Every step in order; the schema version is the number of steps applied. */
export const MIGRATIONS: readonly (readonly string[])[] = [V1, V2, V3, V4, V5, V6];

/** The version a database is at now: 0 for an empty one, 1 for one the first release made. */
export function schemaVersion(sql: SqlAdapter): number {
  const hasMeta = one(sql, "SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'meta'") !== null;
  if (!hasMeta) return 0;
  const row = one<{ value: string }>(sql, "SELECT value FROM meta WHERE key = 'schema_version'");
  // The first release stored no version; its tables are there.
  return row ? Number(row.value) : 1;
}

/** Brings the database to the latest version, one transaction per step; returns the versions passed. */
export function migrate(sql: SqlAdapter): { from: number; to: number } {
  const from = schemaVersion(sql);
  if (from > MIGRATIONS.length) {
    throw new Error(
      `the outbox is at schema version ${from}, newer than this relay knows (${MIGRATIONS.length}): deploy the newer relay`,
    );
  }
  for (let version = from; version < MIGRATIONS.length; version++) {
    sql.transaction(() => {
      for (const statement of MIGRATIONS[version] ?? []) sql.exec(statement);
      sql.exec(
        "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        String(version + 1),
      );
    });
  }
  return { from, to: MIGRATIONS.length };
}
