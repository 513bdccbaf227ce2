import fc from "fast-check";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { Dispatcher } from "../src/hosts/cloudflare/dispatcher";
import type { SubmitRequest } from "../src/engine/api";
import { PROBLEMS, type ProblemCode } from "../src/http/problem";
import { TestGateway } from "./support/gateway";
import { freshRelay, relay, relayStatus } from "./support/relay";

/**
 * Property-based fuzzing of `POST /v1/notifications` inside workerd (issue 11): generated bodies, then
 * mutated by byte flips, truncation, type swaps, huge arrays, deep nesting, unknown keys, lone
 * surrogates and odd numbers. Whatever arrives: never a 5xx; every 4xx is problem+json with a documented
 * code; a 4xx never reaches the dispatcher; whatever is accepted is wire-valid for AlipayHK.
 * Fixed seed, so a failure reproduces; sized to run in well under a minute on a 2-core machine.
 */
const SEED = 20261126;
const RUNS = 10_000;

const shortText = fc.string({ maxLength: 12 });
const templateObject = fc.dictionary(shortText, fc.oneof(shortText, fc.integer(), fc.boolean(), fc.constant(null)), {
  maxKeys: 3,
});
const element = fc.record({
  openId: fc.string({ minLength: 1, maxLength: 32 }),
  templateCode: fc.oneof(
    { arbitrary: fc.constantFrom("ALIPAYHK_MOBILE_SINGLE_MERCHANT_BILL", "T"), weight: 9 },
    { arbitrary: fc.constant(""), weight: 1 },
  ),
  templateValue: fc.oneof(
    templateObject,
    templateObject.map((o) => JSON.stringify(o)),
  ),
});
const submission = fc.record(
  {
    merchantId: fc.oneof(
      { arbitrary: fc.string({ minLength: 1, maxLength: 64 }), weight: 8 },
      fc.string({ maxLength: 70 }),
      fc.constant(null),
    ),
    notifications: fc.array(element, { minLength: 0, maxLength: 4 }),
  },
  { requiredKeys: ["notifications"] },
);

/** Mutations compound (a huge array of huge elements); beyond this a mutation is skipped, in characters. */
const MAX_BODY_CHARS = 3_000_000;

type Mutation = (text: string) => string;
const at = (text: string, ratio: number) => Math.floor(ratio * text.length);
const ratio = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const oddValue = fc.constantFrom(
  "null",
  "1e400",
  "-0",
  "12345678901234567890",
  "0.1e-400",
  "[]",
  "{}",
  "true",
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '"\\u0000"',
  `"${"x".repeat(400)}"`,
  '{"__proto__":{"a":1}}',
  '"{\\"a\\":1}"',
  "[1,[2,[3]]]",
);

/** Ways to damage a JSON text; each returns the new text (which may well still be valid). */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // Truncation.
  ratio.map((r) => (t: string) => t.slice(0, at(t, r))),
  // A character replaced by an arbitrary one (a byte flip in the text; invalid UTF-8 is sent as bytes below).
  fc.tuple(ratio, fc.integer({ min: 0, max: 0xffff })).map(
    ([r, c]) =>
      (t: string) =>
        t.slice(0, at(t, r)) + String.fromCharCode(c) + t.slice(at(t, r) + 1),
  ),
  // A token inserted anywhere.
  fc.tuple(ratio, fc.constantFrom(",", ":", "{", "}", "[", "]", '"', "\\", " ", "null", '"x":1,', "\\ud800")).map(
    ([r, s]) =>
      (t: string) =>
        t.slice(0, at(t, r)) + s + t.slice(at(t, r)),
  ),
  // A value swapped for another type or an odd number, wherever a value starts after a colon.
  fc.tuple(ratio, oddValue).map(([r, v]) => (t: string) => {
    const colon = t.indexOf(":", at(t, r));
    if (colon < 0) return t;
    const end = t.slice(colon + 1).search(/[,}\]]/);
    return `${t.slice(0, colon + 1)}${v}${end < 0 ? "" : t.slice(colon + 1 + end)}`;
  }),
  // Unknown keys, in an element or at the top.
  fc
    .tuple(fc.oneof({ arbitrary: fc.integer({ min: 1, max: 3000 }), weight: 30 }, fc.constant(150_000)), fc.boolean())
    .map(([n, top]) => (t: string) => {
      const keys = Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(",");
      const where = top ? 0 : t.indexOf('{"openId"');
      return where < 0 ? t : `${t.slice(0, where + 1)}${keys},${t.slice(where + 1)}`;
    }),
  // Deep nesting in place of a value.
  fc.tuple(fc.integer({ min: 10, max: 20_000 }), fc.constantFrom("[", '{"a":')).map(([depth, open]) => (t: string) => {
    const nested = open.repeat(depth) + (open === "[" ? "]" : "0}").repeat(depth);
    return t.replace(/"templateValue":/, `"templateValue":${nested},"x":`);
  }),
  // A huge array of copies of the first element (over the per-request limit sometimes).
  fc.integer({ min: 50, max: 10_200 }).map((n) => (t: string) => {
    const match = /"notifications":\[(\{[^\]]*?\})[,\]]/.exec(t);
    const first = match?.[1];
    return first && first.length * n <= MAX_BODY_CHARS ? t.replace(first, Array(n).fill(first).join(",")) : t;
  }),
);

/** A request: a generated body mutated 0–3 times, sent as text or (sometimes) as raw bytes with a flipped byte. */
const request = fc.record({
  body: submission.map((s) => JSON.stringify(s)),
  // Often none or one, so that plenty of requests get deep enough to be validated element by element.
  mutations: fc.array(mutation, { maxLength: 3 }),
  byteFlip: fc.option(fc.tuple(ratio, fc.integer({ min: 0, max: 255 })), { freq: 8 }),
  contentType: fc.oneof(
    { arbitrary: fc.constantFrom("application/json", "application/json; charset=UTF-8"), weight: 19 },
    fc.constant("text/plain"),
  ),
});

/** True when no string or key anywhere in the JSON text decodes to a lone surrogate. */
function wellFormedDeep(json: string): boolean {
  let ok = true;
  JSON.parse(json, (key: string, value: unknown) => {
    if (!key.isWellFormed() || (typeof value === "string" && !value.isWellFormed())) ok = false;
    return value;
  });
  return ok;
}

describe("fuzzing POST /v1/notifications", () => {
  beforeAll(freshRelay);

  it(`${RUNS} generated and mutated requests: no 5xx, documented problems, nothing queued on a 4xx`, {
    timeout: 180_000,
  }, async () => {
    const gateway = await TestGateway.install();
    const submits: SubmitRequest[] = [];
    // A spy that stores nothing: the dispatcher's own tests cover storage; here every submit is counted.
    vi.spyOn(Dispatcher.prototype, "submit").mockImplementation(async (req) => {
      submits.push(req);
      return { kind: "backlog-full", retryAfterSeconds: 1, backlogRuns: 0, limit: 20_000 };
    });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ body, mutations, byteFlip, contentType }) => {
        let text = body;
        for (const mutate of mutations) {
          const next = mutate(text);
          if (next.length <= MAX_BODY_CHARS) text = next;
        }
        let payload: string | Uint8Array = text;
        if (byteFlip) {
          const bytes = new TextEncoder().encode(text);
          if (bytes.length > 0) bytes[Math.floor(byteFlip[0] * bytes.length)] = byteFlip[1];
          payload = bytes;
        }
        const before = submits.length;
        const res = await relay("/v1/notifications", {
          method: "POST",
          body: payload,
          headers: { "content-type": contentType },
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, text.slice(0, 200)).toBeLessThan(500);
        const problem = (await res.json()) as { code: ProblemCode; errors?: unknown[]; truncated?: boolean };
        expect(res.headers.get("content-type")).toBe("application/problem+json");
        expect(PROBLEMS[problem.code]?.status, problem.code).toBe(res.status);
        if (problem.errors) expect(problem.errors.length).toBeLessThanOrEqual(100);
        if (res.status !== 429) {
          expect(submits.length, "a refused request reached the dispatcher").toBe(before);
          return;
        }
        // Accepted by validation (the spy answers backlog-full): what would be stored must be wire-valid.
        const submitted = submits.at(-1) as SubmitRequest;
        expect(submits.length).toBe(before + 1);
        for (const batch of submitted.batches) {
          const elements = JSON.parse(batch.infos) as Record<string, unknown>[];
          expect(elements.length).toBe(batch.size);
          expect(batch.size).toBeLessThanOrEqual(100);
          for (const el of elements) {
            expect(Object.keys(el)).toEqual(["openId", "templateCode", "templateValue"]);
            const wire = JSON.stringify(el);
            expect(wire.length).toBeLessThanOrEqual(300);
            expect(wellFormedDeep(wire) && wellFormedDeep(el.templateValue as string), wire).toBe(true);
            expect(JSON.parse(el.templateValue as string)).toBeTypeOf("object");
          }
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.log("fuzz: answers by status", Object.fromEntries(statuses), "accepted by validation", submits.length);
    expect((await relayStatus()).backlog).toMatchObject({ notifications: 0, queued: 0 });
    expect(gateway.received).toEqual([]);
  });
});
