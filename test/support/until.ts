/**
 * Waiting for a condition, for every test in the tree: inside workerd, on the fake-clock engine's
 * neighbours in Node, and around real processes. Web APIs only (no `cloudflare:*`, no `node:*`), so
 * each project imports the same one.
 */

/**
 * Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`, naming `what` (a
 * string, or a function read at the timeout so the message can carry the last state seen). An error
 * thrown by `check` ends the wait at once.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what: string | (() => string) = "the condition",
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
