/**
 * Reads `/metrics` text with an independent parser (parse-prometheus-text-format, a port of Prometheus'
 * own text parser), never the relay's writer, and looks samples up by name and labels.
 */
import parsePrometheusTextFormat, { type ParsedFamily } from "parse-prometheus-text-format";

/** Parsed metrics: families by name, and lookups that throw when a sample is missing. */
export interface ReadMetrics {
  families: Map<string, ParsedFamily>;
  /** The value of the sample of `name` with exactly `labels` (none: the unlabelled one). */
  value(name: string, labels?: Record<string, string>): number;
  /** Every sample of `name`, as label values of `label` → value. */
  byLabel(name: string, label: string): Record<string, number>;
}

/** Parses Prometheus text (0.0.4); throws on anything the parser cannot read. */
export function readMetrics(text: string): ReadMetrics {
  const families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
  const family = (name: string): ParsedFamily => {
    const found = families.get(name);
    if (!found) throw new Error(`no metric family ${name}`);
    return found;
  };
  return {
    families,
    value(name, labels = {}) {
      const sample = family(name).metrics.find((m) => sameLabels(m.labels ?? {}, labels));
      if (sample?.value === undefined) throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
      return Number(sample.value);
    },
    byLabel(name, label) {
      const values: Record<string, number> = {};
      for (const m of family(name).metrics) {
        const key = m.labels?.[label];
        if (key !== undefined && m.value !== undefined) values[key] = Number(m.value);
      }
      return values;
    },
  };
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
