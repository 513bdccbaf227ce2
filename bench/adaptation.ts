/**
 * Adaptation: ALIPAY_MAX_RPS set to twice the stand-in's real limit (answers after 200 ms). The relay
 * learns the real limit from REQUEST_TRAFFIC_EXCEED_LIMIT answers. Figures: admitted rate ÷ real limit
 * and exceed answers as a share of calls, over the steady part (after `settleSeconds`) and the whole run,
 * with the relay's live rate each second.
 */
import { withRun } from "./harness.ts";
import { type BacklogFigures, drainBacklog } from "./pace.ts";

/** Adaptation figures. */
export interface AdaptationResult extends BacklogFigures {
  realLimitRps: number;
  configuredRps: number;
  settleSeconds: number;
  /** steady.rps ÷ real limit, and the whole run's rate ÷ real limit. */
  ratio: number;
  wholeRatio: number;
}

/** Runs the adaptation case for about `seconds`. */
export async function measureAdaptation(realLimitRps: number, seconds: number, settleSeconds: number) {
  const configuredRps = 2 * realLimitRps;
  return withRun({ maxRps: configuredRps, gatewayLimitRps: realLimitRps, gateway: { latencyMs: 200 } }, async (ctx) => {
    const figures = await drainBacklog(ctx, "ad", Math.ceil(realLimitRps * seconds), settleSeconds * 1000);
    return {
      realLimitRps,
      configuredRps,
      settleSeconds,
      ratio: figures.steady.rps / realLimitRps,
      wholeRatio: figures.wholeRps / realLimitRps,
      ...figures,
    } satisfies AdaptationResult;
  });
}
