/**
 * The engine's pure step for sending: given how much may go out and the pacer and breaker states at
 * `now`, which slots to fill now and when to look again. No storage, no clock: the engine supplies both.
 */
import { type BreakerState, maySend, nextOpening } from "./breaker";
import { type PacerSettings, type PacerState, nextSendAt, recordSend } from "./pacer";

/** What the step looks at. */
export interface PlanInput {
  /** Batches due now (the engine fetched at most `capacity` of them). */
  due: number;
  /** Sends the in-flight cap still allows. */
  capacity: number;
  pacer: PacerState;
  breaker: BreakerState;
  /** Probes on the wire now (the breaker allows one at a time). */
  probesInFlight: number;
  now: number;
  /** With a first slot whose hand-over is due, the slots up to this long ahead go with it, ms. */
  leadMs: number;
  /** The least time before its slot a batch is handed out, ms: the hand-over itself takes a moment. */
  handoverMs: number;
}

/** One send decided: when it may leave, when the window counts it, and whether it is the breaker's probe. */
export interface Slot {
  /** The earliest moment it may leave, ms epoch. */
  at: number;
  /**
   * Where the pace window counts it, ms epoch: `at`, or for a slot that is due now, the moment it is
   * expected to leave (`now + handoverMs`: the hand-over and the signing take that long). Leaving
   * earlier than this is still allowed (the window allowed it at `at`), later by at most the guard.
   */
  countedAt: number;
  probe: boolean;
}

/** What the step decided. */
export interface Plan {
  slots: Slot[];
  pacer: PacerState;
  /**
   * When more due work could go, if it is waiting on the pace or the breaker (ms epoch); null when
   * nothing due is left waiting, or when the breaker holds until someone acts.
   */
  retryAt: number | null;
}

/** Fills as many pacing slots as the due work, the in-flight cap, the breaker and the lead time allow. */
export function planSends(input: PlanInput, pacerSettings: PacerSettings): Plan {
  const slots: Slot[] = [];
  let pacer = input.pacer;
  const wanted = Math.min(input.due, input.capacity);
  while (slots.length < wanted) {
    const gate = maySend(input.breaker, input.now, input.probesInFlight + slots.filter((s) => s.probe).length);
    if (gate === "hold") {
      const opening = nextOpening(input.breaker);
      // A probe already on the wire: its answer wakes the engine; otherwise the next probe time does.
      return { slots, pacer, retryAt: opening !== null && opening > input.now ? opening : null };
    }
    const at = Math.max(input.now, nextSendAt(pacer, pacerSettings, input.now));
    // Nothing is handed out until the first slot's hand-over is due; then every slot up to the lead
    // goes with it, so one sender carries several batches. (A tick between slots, a report's, hands out
    // nothing: handing out whatever entered the lead since the last tick gave senders one batch each.)
    const horizon = slots.length === 0 ? input.handoverMs : input.leadMs;
    if (at > input.now + horizon) return { slots, pacer, retryAt: Math.max(input.now + 1, at - input.handoverMs) };
    const countedAt = Math.max(at, input.now + input.handoverMs);
    pacer = recordSend(pacer, pacerSettings, countedAt);
    slots.push({ at, countedAt, probe: gate === "probe" });
  }
  return { slots, pacer, retryAt: null };
}
