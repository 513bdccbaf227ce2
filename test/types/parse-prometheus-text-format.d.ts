/** Types for parse-prometheus-text-format (a port of Prometheus' own text parser), which ships none. */
declare module "parse-prometheus-text-format" {
  /** One sample: a counter's or gauge's `value`, a histogram's `buckets` (by `le`), `count` and `sum`, as text. */
  export interface ParsedSample {
    labels?: Record<string, string>;
    value?: string;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
    timestamp_ms?: string;
  }
  /** One metric family as the parser reads it. */
  export interface ParsedFamily {
    name: string;
    help: string;
    type: "COUNTER" | "GAUGE" | "HISTOGRAM" | "SUMMARY" | "UNTYPED";
    metrics: ParsedSample[];
  }
  /** Parses the text exposition format; throws on a line it cannot read. */
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
