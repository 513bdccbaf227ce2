/** The shapes every provider's signature check shares. */
import type { SourceMac } from "./mac";

/** Reads a request header by its lower-case name. */
export type HeaderReader = (name: string) => string | undefined;

/** Why a request's signature was refused before or after its body was read. */
export type SignatureProblem = "missing" | "malformed" | "stale" | "mismatch";

/** Headers that can verify: the MAC to feed the body to. */
export type SignatureCheck = { ok: true; mac: SourceMac } | { ok: false; problem: SignatureProblem };

/** What a provider's header check gets: the headers, the source's keys, and now in seconds. */
export interface SignatureInput {
  header: HeaderReader;
  keys: readonly Uint8Array[];
  nowSeconds: number;
}

/** How far a signed timestamp (Stripe's `t=`, Standard Webhooks') may be from now, either way, in seconds. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
