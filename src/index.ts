import { worker } from "./hosts/cloudflare/worker";

export { Dispatcher } from "./hosts/cloudflare/dispatcher";
export { Sender } from "./hosts/cloudflare/sender";

export default {
  fetch: worker.fetch,
} satisfies ExportedHandler<Env>;
