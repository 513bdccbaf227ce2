import { app } from "./http/app";

export { Dispatcher } from "./dispatcher/dispatcher";
export { Sender } from "./dispatcher/sender";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
