/** `POST /v1/sources/{name}`: storefront webhooks in, AlipayHK notifications out (see src/http/source-event.ts). */
import { Hono } from "hono";
import * as z from "zod/mini";
import type { RelayEnv } from "../env";
import { SOURCE_EVENT_EXAMPLES } from "../openapi/examples";
import { documented } from "../openapi/route";
import { SourceIgnoredSchema, SourcePingSchema, SourceQueuedSchema } from "../openapi/schemas";
import { receiveSourceEvent } from "../source-event";

/** A provider's event: any JSON object, verified before it is read. */
const SourceEventSchema = z
  .record(z.string(), z.unknown())
  .check(z.describe("The provider's webhook body, exactly as it signed it (a Shopify order, a Stripe event, …)."));

/** The storefront sources declared in RELAY_SOURCES. */
export const sources = new Hono<RelayEnv>();

sources.post(
  "/:name",
  documented({
    operationId: "receiveSourceEvent",
    tag: "Sources",
    summary: "Receive a storefront webhook",
    description:
      "One route per source declared in RELAY_SOURCES: point the provider's webhook here. The signature is " +
      "checked over the raw body before anything is read (Shopify `X-Shopify-Hmac-Sha256`, Stripe " +
      "`Stripe-Signature` within 5 minutes, WooCommerce `X-WC-Webhook-Signature`, Standard Webhooks), with " +
      "any of the secrets the source names. A mapped event becomes one notification, queued before the 202 " +
      "under the caller `source-<name>`; the same delivery again gets the same job and nothing is sent twice. " +
      "An event type the source does not map, or one its mapping cannot fill, is answered 200 `ignored` with " +
      "the reason, so that the provider neither retries nor disables the webhook. WooCommerce's unsigned " +
      "`webhook_id=<n>` ping is answered 200.",
    auth: "source",
    parameters: ["SourceName"],
    requestBody: { schema: SourceEventSchema, examples: SOURCE_EVENT_EXAMPLES },
    responses: {
      200: {
        description: "Verified but not queued (`ignored`, with the reason), or WooCommerce's ping.",
        schema: z.union([SourceIgnoredSchema, SourcePingSchema]),
        examples: {
          ignored: {
            summary: "An event type the source does not map",
            value: {
              outcome: "ignored",
              source: "shopify",
              eventType: "orders/create",
              deliveryId: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
              reason: "unhandled-event",
              detail: 'this source maps orders/paid, not "orders/create"',
            },
          },
        },
      },
      202: {
        description: "Queued: one notification, stored durably. `Idempotent-Replayed: true` on a redelivery.",
        schema: SourceQueuedSchema,
        headers: ["Location", "Idempotent-Replayed"],
        examples: {
          queued: {
            summary: "A paid Shopify order",
            value: {
              outcome: "queued",
              source: "shopify",
              eventType: "orders/paid",
              deliveryId: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
              jobId: "job_Vv3mQk1nZ8r2Xc0pLs9TaA",
              status: "queued",
              total: 1,
            },
          },
        },
      },
    },
    problems: [
      "malformed-json",
      "invalid-signature",
      "not-found",
      "payload-too-large",
      "backlog-full",
      "callbacks-pending",
      "unavailable",
      "storage-full",
      "not-configured",
      "internal-error",
    ],
  }),
  receiveSourceEvent,
);
