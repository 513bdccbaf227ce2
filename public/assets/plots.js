// @ts-check
/**
 * The dashboard's plots: sends per second against the quota (with the live pace as the page polled it),
 * results by code, and the backlog and the wait of its oldest due notification. What is not known — before
 * the status's figures begin (`resultsSince`), before the page opened, between polls that failed — is
 * shaded "no data", never drawn as zeros.
 */
import { el, finish, frame, knownRanges, missingRanges, shadeMissing, steppedLine } from "./charts.js";
import { duration, h, number, rate } from "./format.js";

/** Results are summed per this many seconds. */
const RESULT_BIN_SECONDS = 10;

const $ = (id) => document.getElementById(id);
/** A colour class per result code, given in the order codes first appear (SUCCESS and the traffic refusal have their own). */
const codeClasses = new Map([
  ["SUCCESS", "c-ok"],
  ["REQUEST_TRAFFIC_EXCEED_LIMIT", "c-warn"],
]);

/**
 * Every plot of the page over `window` (ms epoch): from the status's own per-second figures, and from
 * `history` (this page's polls), whose polls further apart than `gapMs` leave a gap.
 */
export function renderPlots(status, window, history, gapMs) {
  const unknown = statusGaps(status, window, history, gapMs);
  renderPaceChart(status, window, history, gapMs, unknown);
  renderResultsChart(status, window, unknown);
  renderBacklogCharts(window, history, gapMs);
}

/**
 * What the status's per-second figures do not cover: before they begin (the relay keeps them in memory,
 * from its start), and after the status was read, while the relay has not answered since.
 */
function statusGaps(status, { start, end }, history, gapMs) {
  const gaps = [];
  const since = Date.parse(status.resultsSince);
  if (since > start) gaps.push({ from: start, to: since, label: "no data: before the relay started" });
  const readAt = history.findLast((s) => s.ok)?.at;
  if (readAt !== undefined && end - readAt > gapMs) gaps.push({ from: readAt, to: end, label: "no data: no answer" });
  return gaps;
}

/** Shades each gap with its own label. */
function shadeGaps(f, gaps) {
  for (const gap of gaps) shadeMissing(f, [gap], gap.label);
}

/** Sends per second (refusals on top) against the quota and the live pace, with the pace changes marked. */
function renderPaceChart(status, { start, end }, history, gapMs, gaps) {
  const peak = Math.max(0, ...status.sendsPerSecond.map((s) => s.sends));
  const f = frame($("chart"), { start, end, yMax: Math.max(peak, status.pace.configuredRps * 1.2), height: 240 });
  const barW = Math.max(f.plotW / ((end - start) / 1000) - 0.5, 0.5);
  shadeGaps(f, gaps);
  let total = 0;
  for (const s of status.sendsPerSecond) {
    if (s.at < start || !s.sends) continue;
    total += s.sends;
    const ok = s.sends - s.exceeded;
    f.parts.push(el("rect", { class: "sends", x: f.x(s.at), width: barW, y: f.y(ok), height: f.y(0) - f.y(ok) }));
    if (s.exceeded) {
      f.parts.push(
        el("rect", { class: "exceeded", x: f.x(s.at), width: barW, y: f.y(s.sends), height: f.y(ok) - f.y(s.sends) }),
      );
    }
  }
  for (const a of status.adaptations) {
    const at = Date.parse(a.at);
    if (at >= start)
      f.parts.push(el("line", { class: "adaptation", x1: f.x(at), x2: f.x(at), y1: f.top, y2: f.top + f.plotH }));
  }
  const limitY = f.y(status.pace.configuredRps);
  f.parts.push(el("line", { class: "limit", x1: f.left, x2: f.width - f.right, y1: limitY, y2: limitY }));
  f.parts.push(
    el(
      "text",
      { class: "axis limit-label", x: f.width - f.right + 6, y: limitY + 4 },
      `limit ${rate.format(status.pace.configuredRps)}`,
    ),
  );
  // The live pace as this page saw it, poll by poll; broken where the page saw nothing.
  steppedLine(f, history, "liveRps", "live", gapMs);
  if (status.pace.liveRps !== status.pace.configuredRps) {
    // Keep the two labels apart when the lines are close.
    const liveY = f.y(status.pace.liveRps);
    const labelY = Math.abs(liveY - limitY) < 14 ? limitY + 16 : liveY + 4;
    f.parts.push(
      el(
        "text",
        { class: "axis live-label", x: f.width - f.right + 6, y: labelY },
        `live ${rate.format(status.pace.liveRps)}`,
      ),
    );
  }
  finish(f);
  f.svg.dataset.sends = String(total);
  f.svg.dataset.start = String(start);
  f.svg.dataset.end = String(end);
  f.svg.dataset.live = String(history.findLast((s) => s.ok)?.liveRps ?? "");
}

/** Requests by result code per RESULT_BIN_SECONDS, stacked, each code in its colour. */
function renderResultsChart(status, { start, end }, gaps) {
  const binMs = RESULT_BIN_SECONDS * 1000;
  const bins = new Map();
  for (const s of status.sendsPerSecond) {
    if (s.at < start) continue;
    // Bins on whole multiples of the bin, so that they stay put as the window moves.
    const bin = Math.floor(s.at / binMs) * binMs;
    const codes = bins.get(bin) ?? {};
    for (const [code, n] of Object.entries(s.codes)) codes[code] = (codes[code] ?? 0) + n;
    bins.set(bin, codes);
  }
  const sums = [...bins.values()].map((codes) => Object.values(codes).reduce((a, b) => a + b, 0));
  const f = frame($("results-chart"), {
    start,
    end,
    yMax: Math.max(...sums, 1),
    whole: true,
    format: (v) => number.format(v),
  });
  shadeGaps(f, gaps);
  let total = 0;
  for (const [bin, codes] of bins) {
    // Cut to the window: its first and last bins may lie partly outside it.
    const x = f.x(Math.max(bin, start)) + 1;
    const barW = Math.max(f.x(Math.min(bin + binMs, end)) - x - 1, 1);
    let stacked = 0;
    for (const [code, n] of Object.entries(codes).sort(([a], [b]) => order(a) - order(b))) {
      const y0 = f.y(stacked);
      stacked += n;
      total += n;
      const attributes = {
        class: `result ${codeClass(code)}`,
        x,
        width: barW,
        y: f.y(stacked),
        height: y0 - f.y(stacked),
      };
      const bar = el("rect", { ...attributes, "data-code": code, "data-count": n });
      bar.append(el("title", {}, `${code}: ${number.format(n)}`));
      f.parts.push(bar);
    }
  }
  finish(f);
  f.svg.dataset.total = String(total);
  const seen = [...new Set([...bins.values()].flatMap((codes) => Object.keys(codes)))].sort(
    (a, b) => order(a) - order(b),
  );
  $("results-legend").replaceChildren(...seen.map((code) => h("span", { class: codeClass(code) }, code)));
  $("results-chart-empty").hidden = total > 0;
}

/** The backlog (queued and on the wire, and queued alone) and the oldest due notification's wait, as polled. */
function renderBacklogCharts({ start, end }, history, gapMs) {
  const missing = missingRanges(knownRanges(history, gapMs), start, end, gapMs);
  const shown = history.filter((s) => s.ok && s.at >= start);
  const peak = (key) => Math.max(0, ...shown.map((s) => Number(s[key])));
  const backlog = frame($("backlog-chart"), {
    start,
    end,
    yMax: peak("backlog"),
    whole: true,
    format: (v) => number.format(v),
  });
  shadeMissing(backlog, missing);
  const points = steppedLine(backlog, history, "backlog", "backlog", gapMs);
  steppedLine(backlog, history, "queued", "queued", gapMs);
  finish(backlog);
  const age = frame($("age-chart"), { start, end, yMax: peak("age"), format: (v) => duration(v) });
  shadeMissing(age, missing);
  steppedLine(age, history, "age", "age", gapMs);
  finish(age);
  for (const f of [backlog, age]) {
    f.svg.dataset.points = String(points);
    f.svg.dataset.missing = String(missing.length);
  }
  const last = shown.at(-1);
  backlog.svg.dataset.last = last ? String(last.backlog) : "";
  backlog.svg.dataset.lastQueued = last ? String(last.queued) : "";
  age.svg.dataset.last = last ? String(last.age) : "";
}

function codeClass(code) {
  if (!codeClasses.has(code)) codeClasses.set(code, `c-${((codeClasses.size - 2) % 6) + 1}`);
  return codeClasses.get(code);
}

/** Successes at the bottom of a stack, refusals for traffic above them, then the rest by name. */
function order(code) {
  return code === "SUCCESS" ? 0 : code === "REQUEST_TRAFFIC_EXCEED_LIMIT" ? 1 : 2;
}
