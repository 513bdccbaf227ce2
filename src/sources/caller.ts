/**
 * A source is a caller of its own: its jobs belong to the named caller `source-<name>` (owner
 * `caller:source-<name>`, as a named API key's are `caller:<name>`), so RELAY_CALLERS can weigh it
 * and an admin key, or a key of that name, can read its jobs.
 */

/** The caller name of source `name`. */
export function sourceCallerName(name: string): string {
  return `source-${name}`;
}

/** The owner id of source `name`'s jobs. */
export function sourceOwner(name: string): string {
  return `caller:${sourceCallerName(name)}`;
}
