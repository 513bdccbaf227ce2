// @ts-check
/**
 * Small SVG time charts for the dashboard: a frame (gridlines, value and time axes), bars, stepped lines
 * that break where data is missing, and shaded "no data" ranges, so that a chart never draws zeros for
 * a time it knows nothing about. Every chart of the page shares one time window.
 */

const SVG = "http://www.w3.org/2000/svg";
const rate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/**
 * @typedef {{ from: number, to: number }} Range  ms epoch
 * @typedef {{ at: number, ok: boolean, [key: string]: number | boolean }} Sample  one poll of the status
 * @typedef {{ svg: HTMLElement | SVGSVGElement, parts: Element[], start: number, end: number, width: number, height: number,
 *   left: number, right: number, top: number, plotW: number, plotH: number, yMax: number,
 *   x: (at: number) => number, y: (value: number) => number }} Frame
 */

/** An SVG element with attributes (and text). */
export function el(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The smallest "round" number at or above value, so that quarter gridlines land on readable values. */
export function niceCeiling(value) {
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

/**
 * A chart's frame over [start, end] with values 0..yMax (rounded up): quarter gridlines with their values
 * (`format`), and the time axis in seconds or minutes before `end`.
 * @param {HTMLElement | SVGSVGElement} svg
 * @param {{ start: number, end: number, yMax: number, height?: number, whole?: boolean, format?: (v: number) => string }} options
 *   `whole`: the values are counts, so the gridlines fall on whole numbers.
 * @returns {Frame}
 */
export function frame(svg, { start, end, yMax, height = 180, whole = false, format = (v) => rate.format(v) }) {
  const left = 48;
  const right = 78;
  const top = 10;
  const bottom = 22;
  // Drawn at the element's own width, so text is never stretched.
  const width = Math.max(svg.clientWidth, 320);
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const nice = niceCeiling(Math.max(yMax, 1));
  const max = whole ? Math.ceil(nice / 4) * 4 : nice;
  const x = (at) => left + ((at - start) / (end - start)) * plotW;
  const y = (value) => top + plotH - (Math.min(value, max) / max) * plotH;
  const parts = [];
  for (let i = 0; i <= 4; i++) {
    const value = (max / 4) * i;
    parts.push(el("line", { class: "grid", x1: left, x2: width - right, y1: y(value), y2: y(value) }));
    parts.push(el("text", { class: "axis", x: left - 6, y: y(value) + 4, "text-anchor": "end" }, format(value)));
  }
  const seconds = Math.round((end - start) / 1000);
  const step = seconds > 180 ? 60 : 30;
  for (let ago = 0; ago <= seconds; ago += step) {
    const label = ago === 0 ? "now" : `−${ago % 60 ? `${ago} s` : `${ago / 60} min`}`;
    const anchor = ago === 0 ? "end" : ago === seconds ? "start" : "middle";
    parts.push(el("text", { class: "axis", x: x(end - ago * 1000), y: height - 6, "text-anchor": anchor }, label));
  }
  return { svg, parts, start, end, width, height, left, right, top, plotW, plotH, yMax: max, x, y };
}

/** Where consecutive good samples lie no further apart than `gapMs`: the ranges the page knows. */
export function knownRanges(/** @type {Sample[]} */ samples, gapMs) {
  /** @type {Range[]} */
  const ranges = [];
  let current = null;
  for (const sample of samples) {
    if (!sample.ok) {
      current = null;
      continue;
    }
    if (current && sample.at - current.to <= gapMs) current.to = sample.at;
    else {
      current = { from: sample.at, to: sample.at };
      ranges.push(current);
    }
  }
  return ranges;
}

/** The parts of [start, end] no known range covers, ignoring gaps up to `gapMs` (polls are that far apart). */
export function missingRanges(/** @type {Range[]} */ known, start, end, gapMs) {
  /** @type {Range[]} */
  const missing = [];
  let cursor = start;
  for (const range of known) {
    if (range.to < start) continue;
    if (range.from - cursor > gapMs) missing.push({ from: cursor, to: range.from });
    cursor = Math.max(cursor, range.to);
  }
  if (end - cursor > gapMs) missing.push({ from: cursor, to: end });
  return missing;
}

/** Shades each missing range and says "no data" where there is room (its bounds in `data-from`/`data-to`). */
export function shadeMissing(/** @type {Frame} */ f, /** @type {Range[]} */ ranges, label = "no data") {
  for (const { from, to } of ranges) {
    const x1 = f.x(Math.max(from, f.start));
    const x2 = f.x(Math.min(to, f.end));
    if (x2 - x1 < 1) continue;
    f.parts.push(
      el("rect", {
        class: "missing",
        x: x1,
        width: x2 - x1,
        y: f.top,
        height: f.plotH,
        "data-from": from,
        "data-to": to,
      }),
    );
    if (x2 - x1 > 60)
      f.parts.push(
        el("text", { class: "missing-label", x: (x1 + x2) / 2, y: f.top + 16, "text-anchor": "middle" }, label),
      );
  }
}

/**
 * `key` of the good samples as a stepped line, one path per known range (a gap breaks the line rather
 * than joining across it); returns how many samples were drawn.
 */
export function steppedLine(/** @type {Frame} */ f, /** @type {Sample[]} */ samples, key, className, gapMs) {
  let drawn = 0;
  for (const range of knownRanges(samples, gapMs)) {
    const points = samples.filter((s) => s.ok && s.at >= range.from && s.at <= range.to && s.at >= f.start);
    if (points.length === 0) continue;
    let d = "";
    for (const [i, s] of points.entries()) {
      const value = Number(s[key]);
      d += i === 0 ? `M${f.x(s.at)},${f.y(value)}` : `H${f.x(s.at)}V${f.y(value)}`;
    }
    // A lone sample still shows: a short tick.
    if (points.length === 1) d += `h2`;
    f.parts.push(el("path", { class: `series ${className}`, d }));
    drawn += points.length;
  }
  return drawn;
}

/** Puts the frame's parts on the page. */
export function finish(/** @type {Frame} */ f) {
  f.svg.setAttribute("viewBox", `0 0 ${f.width} ${f.height}`);
  f.svg.replaceChildren(...f.parts);
}
