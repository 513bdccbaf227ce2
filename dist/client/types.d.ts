/** Names for the shapes the relay's OpenAPI document declares (generated into ./openapi.ts). */
import type { components, operations } from "./openapi.js";
type Schemas = components["schemas"];
/** The body of `POST /v1/notifications`. */
export type SubmitBody = Schemas["SubmitBody"];
/** One notification of a submit body. */
export type Notification = SubmitBody["notifications"][number];
/** The 202 answer to a submit: the job is stored and will be sent. */
export type SubmitAccepted = Schemas["SubmitAccepted"];
/** A job's progress and outcome (`GET /v1/notifications/{jobId}`, and the body of a completion callback). */
export type JobView = Schemas["JobView"];
/** `GET /v1/status`. */
export type RelayStatus = Schemas["Status"];
/** Why sending is held (the circuit breaker, an operator's pause, a clientId mismatch). */
export type Hold = Schemas["Hold"];
/** What `pause()` and `resume()` answer. */
export type HoldAnswer = operations["pauseSending"]["responses"][200]["content"]["application/json"];
/** An RFC 9457 problem as the relay answers it. */
export type Problem = Schemas["Problem"];
/** The relay's stable problem codes. */
export type ProblemCode = Problem["code"];
/** One problem with a submit body (`invalid-request`). */
export type RequestError = Schemas["RequestError"];
/** `GET /v1/callback-secrets`: the secrets a caller's callbacks are signed with. */
export type CallbackSecrets = Schemas["CallbackSecrets"];
export {};
