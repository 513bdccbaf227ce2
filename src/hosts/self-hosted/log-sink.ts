/**
 * Log lines written in batches: gathered until the event loop's next turn, then written to the
 * process's stdout at once. Under a backlog, one write per turn instead of one console call per line.
 */

/** The part of a writable stream the sink uses (process.stdout). */
export interface LineOutput {
  write(text: string): unknown;
}

/** A log sink that writes what it gathered once per turn, and `flush` to write what is left now. */
export function batchedLines(output: LineOutput): { sink: (line: string) => void; flush: () => void } {
  let lines: string[] = [];
  let planned = false;
  const flush = (): void => {
    planned = false;
    if (lines.length === 0) return;
    const text = `${lines.join("\n")}\n`;
    lines = [];
    output.write(text);
  };
  return {
    sink: (line) => {
      lines.push(line);
      if (planned) return;
      planned = true;
      setImmediate(flush);
    },
    flush,
  };
}
