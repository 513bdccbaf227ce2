// @ts-check
/**
 * The dashboard: asks for an API key (kept in this tab only), then fills the page from GET /v1/status once a
 * second. An admin key (the status then carries `relay`) also gets pause/resume and a cancel button per job.
 */

const KEY_STORAGE = "alipay-notify-relay.apiKey";
const POLL_MS = 1000;
const REQUEST_TIMEOUT_MS = 5000;
const SVG = "http://www.w3.org/2000/svg";
/** The chart shows the last CHART_SECONDS of the status window, one bar per second. */
const CHART_SECONDS = 120;
const CHART = { height: 240, left: 40, right: 78, top: 10, bottom: 22 };

const $ = (id) => document.getElementById(id);
const number = new Intl.NumberFormat();
const rate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
let timer = null;
let loaded = false;
let skewMs = 0;
const seenAdaptations = new Set();

function showLogin(message) {
  clearTimeout(timer);
  $("board").hidden = true;
  $("sign-out").hidden = true;
  $("connection").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  $("api-key").focus();
}

function setConnection(text, up) {
  const pill = $("connection");
  pill.hidden = false;
  pill.textContent = text;
  pill.className = `pill ${up ? "live" : "down"}`;
}

async function poll() {
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (!key) return showLogin("");
  try {
    const response = await fetch("/v1/status", {
      headers: { authorization: `Bearer ${key}` },
      cache: "no-store",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (response.status === 401) {
      sessionStorage.removeItem(KEY_STORAGE);
      return showLogin("The relay did not accept that API key.");
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      const why = `${response.status} ${(problem && (problem.detail || problem.title)) || response.statusText}`;
      if (loaded) setConnection(why, false);
      else showLogin(why);
    } else {
      const date = Date.parse(response.headers.get("date") || "");
      // The Date header has whole seconds: only a clock clearly off is corrected.
      if (Number.isFinite(date) && Math.abs(date - Date.now()) > 1500) skewMs = date - Date.now();
      render(await response.json());
    }
  } catch (_error) {
    if (loaded) setConnection("relay unreachable", false);
    else showLogin("The relay could not be reached.");
  }
  timer = setTimeout(poll, POLL_MS);
}

function render(status) {
  if (!loaded) {
    loaded = true;
    $("login").hidden = true;
    $("board").hidden = false;
    $("sign-out").hidden = false;
  }
  setConnection("live", true);
  // Only an admin key gets the settings; a caller's key sees its own jobs and the live figures.
  $("client").textContent = status.relay
    ? `· ${status.relay.ALIPAY_CLIENT_ID} → ${status.relay.ALIPAY_GATEWAY_URL}`
    : "";
  $("live-rps").textContent = rate.format(status.pace.liveRps);
  $("configured-rps").textContent = rate.format(status.pace.configuredRps);
  $("sent-last-second").textContent = number.format(status.pace.sentLastSecond);
  $("backlog-notifications").textContent = number.format(status.backlog.notifications);
  $("backlog-batches").textContent = number.format(status.backlog.batches);
  $("backlog-eta").textContent = status.backlog.batches ? duration(status.backlog.etaSeconds) : "–";
  $("in-flight").textContent = number.format(status.inFlight);
  $("last-exceed").textContent = status.pace.lastExceedAt ? ago(status.pace.lastExceedAt) : "never";
  $("results-window").textContent = `(last ${duration(status.resultWindowSeconds)})`;
  renderHold(status.hold, Boolean(status.relay));
  renderChart(status);
  renderJobs(status.recentJobs, Boolean(status.relay));
  renderResults(status.results);
  renderAdaptations(status.adaptations);
}

function renderChart(status) {
  const svg = $("chart");
  const { height, left, right, top, bottom } = CHART;
  // Drawn at the element's own width, so text is never stretched.
  const width = Math.max(svg.clientWidth, 360);
  const seconds = Math.min(CHART_SECONDS, status.resultWindowSeconds);
  const end = Math.floor((Date.now() + skewMs) / 1000) * 1000;
  const start = end - (seconds - 1) * 1000;
  const bySecond = new Map(status.sendsPerSecond.map((s) => [s.at, s]));
  const peak = Math.max(0, ...status.sendsPerSecond.map((s) => s.sends));
  const yMax = niceCeiling(Math.max(peak, status.pace.configuredRps * 1.2, 1));
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const x = (at) => left + ((at - start) / 1000 / seconds) * plotW;
  const y = (value) => top + plotH - (value / yMax) * plotH;
  const barW = Math.max(plotW / seconds - 0.5, 0.5);

  const parts = [];
  for (let i = 0; i <= 4; i++) {
    const value = (yMax / 4) * i;
    parts.push(el("line", { class: "grid", x1: left, x2: width - right, y1: y(value), y2: y(value) }));
    parts.push(el("text", { class: "axis", x: left - 6, y: y(value) + 4, "text-anchor": "end" }, rate.format(value)));
  }
  for (let ago = 0; ago <= seconds; ago += 30) {
    const at = end - ago * 1000;
    const label = ago === 0 ? "now" : `−${ago % 60 ? `${ago} s` : `${ago / 60} min`}`;
    parts.push(
      el(
        "text",
        { class: "axis", x: x(at) + barW / 2, y: height - 6, "text-anchor": ago === 0 ? "end" : "middle" },
        label,
      ),
    );
  }
  let total = 0;
  for (let at = start; at <= end; at += 1000) {
    const s = bySecond.get(at);
    if (!s?.sends) continue;
    total += s.sends;
    const ok = s.sends - s.exceeded;
    parts.push(el("rect", { class: "sends", x: x(at), width: barW, y: y(ok), height: y(0) - y(ok) }));
    if (s.exceeded)
      parts.push(el("rect", { class: "exceeded", x: x(at), width: barW, y: y(s.sends), height: y(ok) - y(s.sends) }));
  }
  for (const a of status.adaptations) {
    const at = Date.parse(a.at);
    if (at >= start) parts.push(el("line", { class: "adaptation", x1: x(at), x2: x(at), y1: top, y2: top + plotH }));
  }
  const limitY = y(status.pace.configuredRps);
  parts.push(el("line", { class: "limit", x1: left, x2: width - right, y1: limitY, y2: limitY }));
  parts.push(
    el(
      "text",
      { class: "axis limit-label", x: width - right + 6, y: limitY + 4 },
      `limit ${rate.format(status.pace.configuredRps)}`,
    ),
  );
  if (status.pace.liveRps !== status.pace.configuredRps) {
    // Keep the two labels apart when the lines are close.
    const liveY = y(status.pace.liveRps);
    const labelY = Math.abs(liveY - limitY) < 14 ? limitY + 16 : liveY + 4;
    parts.push(el("line", { class: "live", x1: left, x2: width - right, y1: liveY, y2: liveY }));
    parts.push(
      el(
        "text",
        { class: "axis live-label", x: width - right + 6, y: labelY },
        `live ${rate.format(status.pace.liveRps)}`,
      ),
    );
  }
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.dataset.sends = String(total);
  svg.dataset.end = String(end);
  svg.replaceChildren(...parts);
}

function renderHold(hold, admin) {
  $("hold").hidden = !hold;
  $("hold").dataset.kind = hold ? hold.kind : "";
  if (hold) {
    const who = hold.by ? ` by ${hold.by.slice(0, 16)}…` : "";
    $("hold-text").textContent = `${hold.kind === "paused" ? "Paused" : `Held (${hold.kind})`}${who} ${ago(hold.since)}: ${hold.reason}`;
  }
  $("controls").hidden = !admin;
  $("pause").hidden = Boolean(hold && hold.kind === "paused");
  $("pause-reason").hidden = $("pause").hidden;
  $("pause-label").hidden = $("pause").hidden;
  $("resume").hidden = !hold;
}

/** Sends an operator's request; refreshes the page at once on success, shows the problem otherwise. */
async function act(path, method, body) {
  const key = sessionStorage.getItem(KEY_STORAGE);
  $("control-error").textContent = "";
  try {
    const response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      $("control-error").textContent = `${response.status} ${(problem && (problem.detail || problem.title)) || response.statusText}`;
    }
  } catch (_error) {
    $("control-error").textContent = "The relay could not be reached.";
  }
  clearTimeout(timer);
  poll();
}

function renderJobs(jobs, admin) {
  $("jobs-empty").hidden = jobs.length > 0;
  $("jobs").replaceChildren(
    ...jobs.map((job) => {
      // Every ending counts as done: sent, failed, or not sent by a policy (cancelled, expired, deduplicated).
      const skipped = job.cancelled + job.expired + job.deduplicated;
      const done = job.succeeded + job.failed + skipped;
      const percent = job.total ? (done / job.total) * 100 : 100;
      const bar = h("div", {
        class: "progress",
        role: "progressbar",
        "aria-valuemin": "0",
        "aria-valuemax": String(job.total),
        "aria-valuenow": String(done),
        "aria-label": `Progress of ${job.jobId}`,
      });
      const ok = h("div", { class: "ok" });
      ok.style.width = `${job.total ? (job.succeeded / job.total) * 100 : 0}%`;
      const failed = h("div", { class: "failed" });
      failed.style.width = `${job.total ? (job.failed / job.total) * 100 : 0}%`;
      bar.append(ok, failed);
      const row = h("tr", { "data-job-id": job.jobId }, [
        h("td", { class: "mono", title: job.jobId }, `${job.jobId.slice(0, 12)}…`),
        h("td", {}, [h("span", { class: `pill ${job.status}` }, job.status)]),
        h("td", {}, [bar]),
        h(
          "td",
          { class: "num" },
          number.format(done) +
            " / " +
            number.format(job.total) +
            " (" +
            Math.floor(percent) +
            "%)" +
            (job.failed ? ` · ${number.format(job.failed)} failed` : "") +
            (job.cancelled ? ` · ${number.format(job.cancelled)} cancelled` : "") +
            (job.expired ? ` · ${number.format(job.expired)} expired` : "") +
            (job.deduplicated ? ` · ${number.format(job.deduplicated)} deduplicated` : ""),
        ),
        h("td", {}, ago(job.createdAt)),
        h("td", {}, admin && job.status !== "completed" ? [cancelButton(job.jobId)] : []),
      ]);
      return row;
    }),
  );
}

function cancelButton(jobId) {
  const button = h("button", { class: "cancel", type: "button", "aria-label": `Cancel ${jobId}` }, "Cancel");
  button.addEventListener("click", () => {
    button.disabled = true;
    act(`/v1/notifications/${jobId}`, "DELETE");
  });
  return button;
}

function renderResults(results) {
  const entries = Object.entries(results).sort((a, b) => b[1] - a[1]);
  $("results-empty").hidden = entries.length > 0;
  $("results").replaceChildren(
    ...entries.map(([code, count]) => {
      const tone = code === "SUCCESS" ? "code-ok" : code === "REQUEST_TRAFFIC_EXCEED_LIMIT" ? "code-warn" : "code-bad";
      return h("tr", {}, [h("td", { class: `mono ${tone}` }, code), h("td", { class: "num" }, number.format(count))]);
    }),
  );
}

function renderAdaptations(adaptations) {
  $("adaptations-empty").hidden = adaptations.length > 0;
  $("adaptations").replaceChildren(
    ...adaptations
      .slice()
      .reverse()
      .map((a) => {
        const id = `${a.at}|${a.liveRps}`;
        const item = h("li", { class: seenAdaptations.has(id) ? "" : "fresh" }, [
          h("strong", {}, `Pace set to ${rate.format(a.liveRps)} per s`),
          document.createTextNode(` · ${a.reason} · ${ago(a.at)}`),
        ]);
        seenAdaptations.add(id);
        return item;
      }),
  );
}

function el(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function h(name, attributes, children) {
  const node = document.createElement(name);
  for (const [k, v] of Object.entries(attributes)) if (v !== "") node.setAttribute(k, v);
  if (typeof children === "string") node.textContent = children;
  else if (children) node.append(...children);
  return node;
}

/** The smallest "round" number at or above value, so that quarter gridlines land on readable values. */
function niceCeiling(value) {
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

function duration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min${s % 60 ? ` ${s % 60} s` : ""}` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function ago(iso) {
  const seconds = Math.max(0, (Date.now() + skewMs - Date.parse(iso)) / 1000);
  return seconds < 5 ? "just now" : `${duration(seconds)} ago`;
}

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("api-key"));
  const key = input.value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  input.value = "";
  $("login-error").textContent = "";
  poll();
});

$("pause-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const reason = /** @type {HTMLInputElement} */ ($("pause-reason")).value.trim();
  act("/v1/pause", "POST", reason ? { reason } : undefined);
});

$("resume").addEventListener("click", () => act("/v1/resume", "POST"));

$("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem(KEY_STORAGE);
  location.reload();
});

if (sessionStorage.getItem(KEY_STORAGE)) poll();
else showLogin("");
