import { app } from "./http/app";

export { Dispatcher } from "./hosts/cloudflare/dispatcher";
export { Sender } from "./hosts/cloudflare/sender";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
