/**
 * How the places of one AlipayHK request (up to 100 notifications) are shared, as pure decisions.
 *
 * Between callers: weighted max-min fairness (water-filling). Each caller with work due is offered a
 * share in proportion to its weight; a caller with less due than its share takes what it has, and the
 * rest is shared again among the others. Shares are real numbers; whole places are its share rounded
 * down or up, the places that rounding leaves going to the callers owed most (their fraction plus what
 * they were owed before, a deficit carried from request to request as in deficit round robin), so that
 * over many requests each caller's places add up to its shares.
 *
 * Between one caller's jobs: max-min fairness by turns. The jobs with less due than an equal share
 * (a job of one notification, an order's few) get all they have in the next request, however large the
 * others are; what is left goes to the larger jobs in their turn, whole, so that two bulk jobs alternate
 * requests instead of cutting every one of them into pieces (each piece is a stored row).
 */

/** One caller's claim on a request: how many notifications it has due, and its weight (> 0). */
export interface Claim {
  due: number;
  weight: number;
}

// Shares are sums of float quotients: a share within this of a whole number is that number.
const EPSILON = 1e-9;

/**
 * Weighted max-min fair shares of `places` among `claims` (same order): nobody's share exceeds its
 * due, and the shares add up to `min(places, total due)`.
 */
export function fairShares(claims: readonly Claim[], places: number): number[] {
  const shares = claims.map(() => 0);
  // Fill the smallest claims (per unit of weight) first: each either takes all it has due, or the
  // water level is reached and everyone left shares what remains by weight.
  const order = claims.map((_, i) => i).sort((a, b) => ratio(claims[a] as Claim) - ratio(claims[b] as Claim));
  let remaining = places;
  let weight = claims.reduce((w, c) => w + (c.due > 0 ? c.weight : 0), 0);
  for (const [position, i] of order.entries()) {
    const claim = claims[i] as Claim;
    if (claim.due <= 0) continue;
    const offered = (remaining * claim.weight) / weight;
    if (claim.due <= offered + EPSILON) {
      shares[i] = claim.due;
      remaining -= claim.due;
      weight -= claim.weight;
      continue;
    }
    // The water level: every claim from here on has more due than its share.
    for (const j of order.slice(position)) {
      const rest = claims[j] as Claim;
      if (rest.due > 0) shares[j] = (remaining * rest.weight) / weight;
    }
    break;
  }
  return shares;
}

/**
 * Whole places from real shares: each gets `floor(share)` or one more, never more than its due, and
 * they add up to the shares' (whole) total. The places left by rounding go to the largest
 * `fraction + owed[i]` (`owed`: what each was owed after the previous requests; ties to the lower index).
 */
export function wholePlaces(
  shares: readonly number[],
  dues: readonly number[],
  owed: readonly number[] = [],
): number[] {
  const total = Math.round(shares.reduce((a, b) => a + b, 0));
  const places = shares.map((s) => Math.floor(s + EPSILON));
  let left = total - places.reduce((a, b) => a + b, 0);
  const candidates = shares
    .map((s, i) => ({ i, priority: s - (places[i] as number) + (owed[i] ?? 0) }))
    .filter(({ i }) => (places[i] as number) < (dues[i] as number))
    .sort((a, b) => b.priority - a.priority || a.i - b.i);
  for (const { i } of candidates) {
    if (left <= 0) break;
    places[i] = (places[i] as number) + 1;
    left -= 1;
  }
  return places;
}

/**
 * Places for one caller's jobs, given their `dues` in the caller's rotation order: with at least as many
 * jobs as places, one each for the first ones; otherwise every job with no more due than the equal
 * share (the water level) gets all it has, and the rest goes in order to the larger jobs, each taking
 * what it can before the next. The caller moves the jobs served to the back of its rotation.
 */
export function jobPlaces(dues: readonly number[], places: number): number[] {
  if (dues.length >= places) return dues.map((_, i) => (i < places ? 1 : 0));
  const level = waterLevel(dues, places);
  const takes = dues.map((due) => (due <= level ? due : 0));
  let left = places - takes.reduce((a, b) => a + b, 0);
  dues.forEach((due, i) => {
    if (left <= 0 || due <= level) return;
    const take = Math.min(due, left);
    takes[i] = take;
    left -= take;
  });
  return takes;
}

/** The equal share at which `dues` use up `places` (or the largest due, when they all fit). */
function waterLevel(dues: readonly number[], places: number): number {
  const sorted = [...dues].sort((a, b) => a - b);
  let left = places;
  for (const [i, due] of sorted.entries()) {
    const share = left / (sorted.length - i);
    if (due > share) return share;
    left -= due;
  }
  return sorted.at(-1) ?? 0;
}

function ratio(claim: Claim): number {
  return claim.due / claim.weight;
}
