/**
 * Writes a `.dev.vars` file (dotenv syntax) that wrangler dev loads as the Worker's secrets and vars.
 *
 * Multi-line values (PEM keys) go inside double quotes with newlines written as `\n`: dotenv turns `\n`
 * back into a newline only inside double quotes, and it unescapes nothing else — so a value holding a
 * quote, a backslash or a `$` (wrangler expands `${VAR}`) could not round-trip and is refused instead.
 */
import { writeFile } from "node:fs/promises";

/** Renders settings as dotenv lines; throws naming a setting whose value cannot be written safely. */
export function formatDevVars(vars: Record<string, string>): string {
  const lines = ["# Written by `npm start` (dev/local-run.ts) for wrangler dev. Dev keys only; regenerated each run."];
  for (const [name, value] of Object.entries(vars)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`${name}: not a valid setting name`);
    if (/["\\$\r]/.test(value) || /[\u0000-\u0009\u000b-\u001f]/.test(value)) {
      throw new Error(`${name}: the value holds a quote, backslash, $ or control character that .dev.vars cannot carry`);
    }
    lines.push(`${name}="${value.replaceAll("\n", "\\n")}"`);
  }
  return lines.join("\n") + "\n";
}

/** Writes `vars` to `path` (mode 0600: it holds a private key). */
export async function writeDevVars(path: string, vars: Record<string, string>): Promise<void> {
  await writeFile(path, formatDevVars(vars), { mode: 0o600 });
}
