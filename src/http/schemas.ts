import * as z from "zod/mini";
import { MerchantIdSchema, NotificationInputSchema } from "../core/notification";
import { PolicyFields } from "./submit-policies";

/**
 * The body of `POST /v1/notifications` for the OpenAPI document, composed from the core's rules (the
 * same schema objects that check each field). Requests themselves are read by `parseSubmission`
 * (core/submission.ts), from the body's text, so that object templateValues keep their exact JSON.
 */
export const SubmitBodySchema = z
  .strictObject({
    merchantId: z
      .optional(MerchantIdSchema)
      .check(z.describe("The AlipayHK merchant ID; defaults to the relay's ALIPAY_MERCHANT_ID.")),
    notifications: z
      .array(NotificationInputSchema)
      .check(z.minLength(1), z.describe("Any number of notifications, up to the relay's per-request limit.")),
    ...PolicyFields,
  })
  .check(z.describe("Notifications to send to AlipayHK users."));
