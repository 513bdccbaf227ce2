/** Bearer API key check for `Authorization: Bearer <key>` (RFC 6750), without timing leaks. */
import { timingSafeEqual } from "./constant-time";

/** Outcome of checking an Authorization header against the configured keys. */
export type ApiKeyMatch = { ok: true; keyIndex: number } | { ok: false; problem: "missing" | "malformed" | "unknown" };

// RFC 6750 §2.1: `Bearer` 1*SP b64token; the scheme is case-insensitive (RFC 9110 §11.1).
const BEARER = /^([A-Za-z]+) +([A-Za-z0-9\-._~+/]+=*)$/;

/** Finds which configured key (if any) the header's bearer token is, comparing every key in constant time. */
export async function matchApiKey(
  authorizationHeader: string | null | undefined,
  keys: readonly string[],
): Promise<ApiKeyMatch> {
  const header = authorizationHeader?.trim() ?? "";
  if (header === "") return { ok: false, problem: "missing" };
  const parts = BEARER.exec(header);
  if (parts === null || parts[1]!.toLowerCase() !== "bearer") return { ok: false, problem: "malformed" };

  // Hashing both sides first gives equal-length inputs (no length leak), and whatever a timing probe
  // could learn is about a digest, which says nothing useful about the key itself.
  const presented = await digest(parts[2]!);
  const candidates = await digestsOf(keys);

  // No early exit across keys either: every key is compared, and the index is selected with masks,
  // so the time taken does not reveal which key (or whether any key) matched.
  let found = 0;
  let index = 0;
  for (let i = 0; i < candidates.length; i++) {
    const same = timingSafeEqual(presented, candidates[i]!) ? 1 : 0;
    const mask = -same; // 0 or -1 (all bits set)
    index = (index & ~mask) | (i & mask);
    found |= same;
  }
  return found === 1 ? { ok: true, keyIndex: index } : { ok: false, problem: "unknown" };
}

const tokenLists = new WeakMap<readonly { token: string }[], readonly string[]>();

/** The tokens of a configured key list, as one array per list (so their digests are computed once). */
export function tokensOf(keys: readonly { token: string }[]): readonly string[] {
  let tokens = tokenLists.get(keys);
  if (!tokens) {
    tokens = keys.map((key) => key.token);
    tokenLists.set(keys, tokens);
  }
  return tokens;
}

// The configured list is one array per isolate (parsed once): hash its keys once, not on every request.
const keyDigests = new WeakMap<readonly string[], Promise<Uint8Array[]>>();

function digestsOf(keys: readonly string[]): Promise<Uint8Array[]> {
  let digests = keyDigests.get(keys);
  if (!digests) {
    digests = Promise.all(keys.map(digest));
    keyDigests.set(keys, digests);
  }
  return digests;
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
