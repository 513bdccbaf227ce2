/**
 * Adaptation: ALIPAY_MAX_RPS set to twice the stand-in's real limit (answers after 200 ms). The relay
 * learns the real limit from REQUEST_TRAFFIC_EXCEED_LIMIT answers. Figures: admitted rate ÷ real limit
 * and exceed answers as a share of calls, over the steady part (after `settleSeconds`) and the whole run,
 * with the relay's live rate each second. Run twice: refusals answered F (as this API's page says) and U
 * (as other Alipay-family APIs answer the same code, 00000024).
 */
import { withRun } from "./harness.ts";
import { type BacklogFigures, drainBacklog } from "./pace.ts";

/** Adaptation figures (quota = the real limit; whole/steady ratios are ÷ the real limit). */
export interface AdaptationResult extends BacklogFigures {
  realLimitRps: number;
  configuredRps: number;
  settleSeconds: number;
  /** The resultStatus the stand-in's refusals carried. */
  exceedStatus: "F" | "U";
}

/** Runs the adaptation case for about `seconds`. */
export async function measureAdaptation(realLimitRps: number, seconds: number, settleSeconds: number, exceedStatus: "F" | "U" = "F") {
  const configuredRps = 2 * realLimitRps;
  const options = { maxRps: configuredRps, gatewayLimitRps: realLimitRps, gateway: { latencyMs: 200, exceedStatus } };
  return withRun(options, async (ctx) => {
    const batches = Math.ceil(realLimitRps * seconds);
    const figures = await drainBacklog(ctx, {
      tag: `ad${exceedStatus}`,
      batches,
      quota: realLimitRps,
      steadyAfterMs: settleSeconds * 1000,
      perRequest: 10_000,
    });
    return { realLimitRps, configuredRps, settleSeconds, exceedStatus, ...figures } satisfies AdaptationResult;
  });
}
