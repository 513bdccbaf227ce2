import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { METRICS } from "../../src/metrics/declaration";
import { METRICS_MARKERS, withMetricsTable } from "../../src/metrics/docs";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

describe("docs/operations.md follows the metrics' declaration (run `npm run docs` after changing it)", () => {
  it("its table of metrics is the generated one, and lists every metric's name, type and help", () => {
    const doc = read("docs/operations.md");
    expect(withMetricsTable(doc)).toBe(doc);
    const table = doc.slice(doc.indexOf(METRICS_MARKERS.start), doc.indexOf(METRICS_MARKERS.end));
    for (const metric of METRICS) {
      const row = table.split("\n").find((line) => line.startsWith(`| \`${metric.name}`));
      expect(row, metric.name).toBeDefined();
      expect(row).toContain(` ${metric.type} `);
      expect(row).toContain(metric.help.replaceAll("|", "\\|"));
    }
  });

  it("keeps the rotation procedures and has the metrics section with alerts that name only declared metrics", () => {
    const doc = read("docs/operations.md");
    expect(doc).toContain("## Rotating secrets");
    expect(doc).toContain("## Metrics and alerts");
    const rules = doc.slice(doc.indexOf("### Alerts worth setting"));
    const named = new Set([...rules.matchAll(/\b(relay_[a-z_]+)/g)].map((m) => m[1]!));
    expect(named.size).toBeGreaterThan(10);
    const exposed = new Set(
      METRICS.flatMap((m) =>
        m.type === "counter"
          ? [`${m.name}_total`]
          : m.type === "histogram"
            ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]
            : [m.name],
      ),
    );
    for (const name of named) expect(exposed, name).toContain(name);
  });
});
