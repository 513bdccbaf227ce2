/**
 * The declared metrics written out in the Prometheus text exposition format (version 0.0.4) or in
 * OpenMetrics 1.0 text (what Prometheus asks for first in its `Accept`). The two differ only in their
 * metadata: OpenMetrics names a counter's family without `_total`, adds `# UNIT`, escapes `"` in help
 * and ends with `# EOF`.
 */
import type { MetricDeclaration, MetricsInput, Sample } from "./declaration";

/** The two text formats and their media types. */
export const EXPOSITION_FORMATS = {
  prometheus: "text/plain; version=0.0.4; charset=utf-8",
  openmetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8",
} as const;

/** One of `EXPOSITION_FORMATS`. */
export type ExpositionFormat = keyof typeof EXPOSITION_FORMATS;

/** The name a metric's counter or gauge samples carry (a counter's end in `_total`). */
export function sampleName(metric: MetricDeclaration): string {
  return metric.type === "counter" ? `${metric.name}_total` : metric.name;
}

/** Every metric of `metrics`, read from `input`, as the text of `format`. */
export function exposition(
  metrics: readonly MetricDeclaration[],
  input: MetricsInput,
  format: ExpositionFormat,
): string {
  const open = format === "openmetrics";
  const lines: string[] = [];
  for (const metric of metrics) {
    const family = open ? metric.name : sampleName(metric);
    lines.push(`# HELP ${family} ${escapeHelp(metric.help, open)}`);
    lines.push(`# TYPE ${family} ${metric.type}`);
    if (open && metric.unit !== "") lines.push(`# UNIT ${family} ${metric.unit}`);
    if (metric.type === "histogram") {
      const { bounds, cumulative, sum, count } = metric.read(input);
      for (const [i, bound] of bounds.entries()) {
        lines.push(sample(`${metric.name}_bucket`, { value: cumulative[i] ?? 0, labels: { le: number(bound) } }));
      }
      lines.push(sample(`${metric.name}_bucket`, { value: count, labels: { le: "+Inf" } }));
      lines.push(sample(`${metric.name}_sum`, { value: sum }));
      lines.push(sample(`${metric.name}_count`, { value: count }));
      continue;
    }
    for (const each of metric.read(input)) lines.push(sample(sampleName(metric), each));
  }
  if (open) lines.push("# EOF");
  return `${lines.join("\n")}\n`;
}

/** Which format an `Accept` header asks for: OpenMetrics when it is acceptable and preferred to plain text. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  let openMetrics = 0;
  let plain = 0;
  for (const part of (accept ?? "").split(",")) {
    const [type = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const q = Number(params.find((p) => p.startsWith("q="))?.slice(2) ?? "1");
    const quality = Number.isFinite(q) ? q : 0;
    if (type === "application/openmetrics-text") openMetrics = Math.max(openMetrics, quality);
    else if (type === "text/plain" || type === "text/*" || type === "*/*") plain = Math.max(plain, quality);
  }
  return openMetrics > 0 && openMetrics >= plain ? "openmetrics" : "prometheus";
}

function sample(name: string, { labels, value }: Sample): string {
  const pairs = Object.entries(labels ?? {}).map(([label, text]) => `${label}="${escapeLabel(text)}"`);
  return `${name}${pairs.length ? `{${pairs.join(",")}}` : ""} ${number(value)}`;
}

/** A number as both formats write it (infinities as `+Inf` and `-Inf`). */
function number(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function escapeLabel(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function escapeHelp(text: string, openMetrics: boolean): string {
  const escaped = text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
  return openMetrics ? escaped.replaceAll('"', '\\"') : escaped;
}
