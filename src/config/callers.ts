/**
 * RELAY_CALLERS: what each named caller may have beyond its key. Its weight in the fair share of every
 * AlipayHK request's 100 places, and the merchantIds it may submit for. Keyed by caller name: a named
 * key's name (`name:key` in RELAY_API_KEYS), `webhook` (the Standard Webhooks signer) or a source's.
 */
import * as z from "zod/mini";
import type { Parsed } from "./values";
import { CALLER_NAME } from "./values";

/** Heaviest weight a caller may have: a fair share still leaves every other caller a place in 100. */
export const MAX_CALLER_WEIGHT = 100;

/** One caller's entry. */
export interface CallerPolicy {
  /** Its weight in the fair share (default 1). */
  weight: number;
  /** The merchantIds it may submit for; absent: any. */
  merchants?: string[];
}

const MerchantId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[\x21-\x7e]+$/, { error: "must be visible ASCII characters without spaces" }),
  );

const CallerPolicySchema = z.strictObject({
  weight: z.optional(
    z
      .number()
      .check(
        z.positive({ error: "must be a positive number" }),
        z.lte(MAX_CALLER_WEIGHT, { error: `must be at most ${MAX_CALLER_WEIGHT}` }),
      ),
  ),
  merchants: z.optional(
    z.array(MerchantId).check(z.minLength(1, { error: "must list at least one merchantId (or be left out)" })),
  ),
});

const CallersSchema = z.record(z.string(), CallerPolicySchema);

/** Parses the JSON object of RELAY_CALLERS; problems say which caller and which member. */
export function callerPolicies(text: string): Parsed<Record<string, CallerPolicy>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return {
      ok: false,
      problem: 'must be a JSON object such as {"shop-a": {"weight": 2, "merchants": ["2160400000000177"]}}',
    };
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return { ok: false, problem: "must be a JSON object keyed by caller name" };
  }
  const misnamed = Object.keys(json).find((name) => !CALLER_NAME.test(name));
  if (misnamed !== undefined) {
    return {
      ok: false,
      problem: `${JSON.stringify(misnamed.slice(0, 40))} is not a caller name (1-32 of a-z 0-9 _ -)`,
    };
  }
  const parsed = CallersSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [name, ...member] = issue.path.map(String);
    const where =
      name === undefined
        ? ""
        : `caller ${JSON.stringify(name.slice(0, 40))}${member.length ? ` ${member.join(".")}` : ""}: `;
    return { ok: false, problem: `${where}${issue.message}` };
  }
  const value: Record<string, CallerPolicy> = {};
  for (const [name, policy] of Object.entries(parsed.data)) {
    value[name] = {
      weight: policy.weight ?? 1,
      ...(policy.merchants ? { merchants: [...new Set(policy.merchants)] } : {}),
    };
  }
  return { ok: true, value };
}
