/**
 * Fault injection: which requests the stand-in mistreats, and how. Each rule picks requests either by
 * fraction (`rate`, 0..1) or deterministically (`everyNth`: the Nth, 2Nth, … request the rule sees).
 * The first matching rule wins.
 *
 * `processed` says whether the stand-in really handles the request (verifies, delivers) before
 * mangling the answer — "AlipayHK did it but the answer was lost" — or drops it unprocessed. The
 * default is unprocessed: then a relay that trusts an unverifiable "S" loses notifications, and the
 * stats show it.
 */

/** What a fault does to the answer. */
export type FaultKind =
  | "unknown" // a signed answer: U UNKNOWN_EXCEPTION 00000901
  | "http502" // HTTP 502 with an HTML body, as a proxy in front of the gateway would give
  | "hang" // never answers (or, with delayMs, processes normally and answers after delayMs)
  | "garbage" // HTTP 200 with a body that is not the documented JSON
  | "bad-signature" // a well-formed answer whose signature does not verify
  | "reset"; // the connection is destroyed without an answer (a network error for the client)

/** All fault kinds, for parsing. */
export const FAULT_KINDS: readonly FaultKind[] = ["unknown", "http502", "hang", "garbage", "bad-signature", "reset"];

/** One fault rule. */
export interface FaultRule {
  kind: FaultKind;
  /** Fraction of requests hit, 0..1. Ignored when everyNth is set. */
  rate?: number;
  /** Hit every Nth request this rule sees (1 = every request). */
  everyNth?: number;
  /** For `hang`: answer after this many ms instead of never. */
  delayMs?: number;
  /** Process the request before mangling the answer (default false). */
  processed?: boolean;
}

/** Picks the fault for one request, keeping per-rule counters for everyNth. */
export interface FaultPicker {
  /** The rule hitting this request, if any. */
  pick(): FaultRule | undefined;
}

/** Creates a picker over `rules`; `random` returns a number in [0, 1). */
export function createFaultPicker(rules: readonly FaultRule[], random: () => number): FaultPicker {
  const seen = rules.map(() => 0);
  return {
    pick() {
      for (const [i, rule] of rules.entries()) {
        const n = ++seen[i]!;
        const hit = rule.everyNth !== undefined ? n % rule.everyNth === 0 : random() < (rule.rate ?? 1);
        if (hit) return rule;
      }
      return undefined;
    },
  };
}

/**
 * Parses the env/flag form: comma-separated rules `kind[:rate|:every=N][:ms=N][:processed]`, e.g.
 * `unknown:0.1,http502:every=5,hang:every=3:ms=2000,garbage:0.05:processed`. Throws naming the bad part.
 */
export function parseFaults(spec: string): FaultRule[] {
  return spec
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((item) => {
      const [kind, ...parts] = item.split(":");
      if (!FAULT_KINDS.includes(kind as FaultKind)) {
        throw new Error(`fault "${item}": kind must be one of ${FAULT_KINDS.join(", ")}`);
      }
      const rule: FaultRule = { kind: kind as FaultKind };
      for (const part of parts) {
        if (part === "processed") {
          rule.processed = true;
          continue;
        }
        const [key, value = ""] = part.includes("=") ? part.split("=", 2) : ["rate", part];
        const n = value.trim() === "" ? NaN : Number(value);
        if (key === "rate" && n >= 0 && n <= 1) rule.rate = n;
        else if (key === "every" && Number.isInteger(n) && n >= 1) rule.everyNth = n;
        else if (key === "ms" && Number.isInteger(n) && n >= 0) rule.delayMs = n;
        else throw new Error(`fault "${item}": cannot read "${part}" (use a rate 0..1, every=N, ms=N or processed)`);
      }
      return rule;
    });
}

/** Validates fault rules received as JSON (control endpoint); throws naming the bad rule. */
export function checkFaultRules(value: unknown): FaultRule[] {
  if (!Array.isArray(value)) throw new Error("faults must be a list");
  return value.map((r: unknown, i) => {
    const rule = r as Partial<FaultRule> | null;
    const ok =
      typeof rule === "object" &&
      rule !== null &&
      FAULT_KINDS.includes(rule.kind as FaultKind) &&
      (rule.rate === undefined || (typeof rule.rate === "number" && rule.rate >= 0 && rule.rate <= 1)) &&
      (rule.everyNth === undefined || (Number.isInteger(rule.everyNth) && rule.everyNth >= 1)) &&
      (rule.delayMs === undefined || (Number.isInteger(rule.delayMs) && rule.delayMs >= 0)) &&
      (rule.processed === undefined || typeof rule.processed === "boolean");
    if (!ok) throw new Error(`faults[${i}] is not a valid rule (kind, rate 0..1 | everyNth ≥ 1, delayMs, processed)`);
    return { ...rule } as FaultRule;
  });
}

/** A small seeded PRNG (mulberry32), so a fault run can be replayed with the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
