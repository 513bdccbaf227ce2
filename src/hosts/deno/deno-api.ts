/**
 * The few Deno APIs the Deno entry uses, typed here so the project needs no Deno type package (Deno's
 * own types come with its binary, which typecheck does not run).
 */

/** Deno's `Deno` global, as far as main.ts uses it. */
export interface DenoApi {
  env: { get(name: string): string | undefined };
  pid: number;
  version: { deno: string };
  serve(options: {
    hostname: string;
    port: number;
    handler: (request: Request) => Response | Promise<Response>;
    onListen?: () => void;
  }): { shutdown(): Promise<void> };
  addSignalListener(signal: "SIGTERM" | "SIGINT", listener: () => void): void;
  /** Writes some of `data`, returning how much (a pipe may take less than all of it). */
  stdout: { writeSync(data: Uint8Array): number };
  exit(code: number): never;
}
