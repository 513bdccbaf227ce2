/** The stand-in's settings that tests may change while it runs. */
import type { FaultRule } from "./faults.ts";
import type { SignAlgorithm } from "./verify.ts";

/** Settings that tests may change at runtime (POST /_control). */
export interface GatewaySettings {
  /** Admitted requests per sliding 1000 ms; 0 = unlimited. */
  limitRps: number;
  /** Every answer leaves this many ms after the request arrived (imitates the distance to AlipayHK). */
  latencyMs: number;
  faults: FaultRule[];
  /** How the merchant signs requests and how the stand-in signs answers. */
  signAlgorithm: SignAlgorithm;
  /** Send answer signatures URL-encoded. */
  urlEncodeSignature: boolean;
  /** Seed for fault rates (fixed seed = replayable run). */
  seed: number;
  /**
   * resultStatus of REQUEST_TRAFFIC_EXCEED_LIMIT answers: F as this API's page says, or U as other
   * Alipay-family APIs answer the same refusal (00000024), to check the relay reads the code, not the status.
   */
  exceedStatus: "F" | "U";
}
