import { DurableObject } from "cloudflare:workers";

export class Dispatcher extends DurableObject<Env> {}

export default {
  async fetch(): Promise<Response> {
    return new Response("ok");
  },
} satisfies ExportedHandler<Env>;
