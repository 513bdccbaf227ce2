/**
 * One structured JSON line per event. Callers pass ids, codes and figures only: never key material,
 * API keys, webhook secrets or notification payloads.
 */
export function logEvent(
  fields: { event: string } & Record<string, string | number | boolean | null | undefined>,
): void {
  console.log(JSON.stringify({ at: new Date().toISOString(), ...fields }));
}
