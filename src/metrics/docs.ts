/** The table of metrics in docs/operations.md, generated from the declaration (`npm run docs`). */
import { METRICS } from "./declaration";
import { sampleName } from "./exposition";

/** Markers around the generated table in docs/operations.md. */
export const METRICS_MARKERS = { start: "<!-- metrics:start -->", end: "<!-- metrics:end -->" } as const;

const KEEPING = { memory: "memory", storage: "storage", live: "live" } as const;

/** The Markdown table of every metric: name, type, unit, labels, where its number lives, help and its OpenTelemetry counterpart. */
export function metricsTable(): string {
  const rows = METRICS.map((metric) => {
    const name =
      metric.type === "histogram"
        ? `\`${metric.name}\` (\`_bucket\`, \`_sum\`, \`_count\`)`
        : `\`${sampleName(metric)}\``;
    const labels = metric.labels.length ? metric.labels.map((l) => `\`${l}\``).join(", ") : "—";
    const otel = metric.otel ?? "—";
    return `| ${name} | ${metric.type} | ${metric.unit || "—"} | ${labels} | ${KEEPING[metric.keeping]} | ${cell(metric.help)} | ${otel} |`;
  });
  return [
    "| Metric | Type | Unit | Labels | Kept | Help | OpenTelemetry |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** `doc` with the generated table between its markers; throws when a marker is missing. */
export function withMetricsTable(doc: string): string {
  const from = doc.indexOf(METRICS_MARKERS.start);
  const to = doc.indexOf(METRICS_MARKERS.end);
  if (from < 0 || to < from)
    throw new Error(`docs/operations.md needs ${METRICS_MARKERS.start} … ${METRICS_MARKERS.end}`);
  return `${doc.slice(0, from + METRICS_MARKERS.start.length)}\n${metricsTable()}\n${doc.slice(to)}`;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}
