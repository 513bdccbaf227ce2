// @ts-check
/**
 * The dashboard: asks for an API key (kept in this tab only), then fills the page from GET /v1/status once a
 * second. An admin key (the status then carries `relay`) also gets pause/resume, a cancel button per job and
 * the storefront sources' ignored events.
 *
 * The charts share one window (the last minutes): sends per second against the quota, and results by code,
 * from the status's own per-second figures (which begin at `resultsSince`: the relay keeps them in memory);
 * the live pace, the backlog and its age from this page's polls (the status has no history of them). What is
 * not known — before `resultsSince`, before this page opened, while the relay did not answer — is shaded
 * "no data", never drawn as zeros.
 */
import { duration, h, number, rate } from "./format.js";
import { renderPlots } from "./plots.js";

const KEY_STORAGE = "alipay-notify-relay.apiKey";
const POLL_MS = 1000;
const REQUEST_TIMEOUT_MS = 5000;
/** The charts show the last CHART_SECONDS (at most the status's window). */
const CHART_SECONDS = 300;
/** Polls further apart than this leave a gap: the page does not know what happened between them. */
const GAP_MS = 2.5 * POLL_MS;

const $ = (id) => document.getElementById(id);
let timer = null;
let loaded = false;
let skewMs = 0;
const seenAdaptations = new Set();
/** This page's polls: a good one carries the figures the status has no history of; a failed one only its time. */
const history = [];
/** The last status read, redrawn while the relay does not answer (its figures end where it was read). */
let lastStatus = null;

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
      if (loaded) missed(why);
      else showLogin(why);
    } else {
      const date = Date.parse(response.headers.get("date") || "");
      // The Date header has whole seconds: only a clock clearly off is corrected.
      if (Number.isFinite(date) && Math.abs(date - Date.now()) > 1500) skewMs = date - Date.now();
      render(await response.json());
    }
  } catch (_error) {
    if (loaded) missed("relay unreachable");
    else showLogin("The relay could not be reached.");
  }
  timer = setTimeout(poll, POLL_MS);
}

/** A poll without figures: said at the top, and left as a gap in the charts (redrawn so the gap shows as it grows). */
function missed(why) {
  setConnection(why, false);
  remember({ at: Date.now() + skewMs, ok: false });
  if (lastStatus) renderPlots(lastStatus, chartWindow(lastStatus), history, GAP_MS);
}

/** Keeps a poll for the charts, dropping what has left the window. */
function remember(sample) {
  history.push(sample);
  const oldest = Date.now() + skewMs - CHART_SECONDS * 1000 - GAP_MS;
  while (history.length && history[0].at < oldest) history.shift();
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
  const { pace, backlog } = status;
  $("live-rps").textContent = rate.format(pace.liveRps);
  $("configured-rps").textContent = rate.format(pace.configuredRps);
  $("sent-last-second").textContent = number.format(pace.sentLastSecond);
  $("backlog-notifications").textContent = number.format(backlog.notifications);
  $("backlog-queued").textContent = number.format(backlog.queued);
  $("backlog-eta").textContent = backlog.notifications ? duration(backlog.etaSeconds) : "–";
  $("backlog-age").textContent = backlog.queued ? duration(backlog.oldestDueSeconds) : "–";
  $("in-flight").textContent = number.format(status.inFlight);
  $("last-exceed").textContent = pace.lastExceedAt ? ago(pace.lastExceedAt) : "never";
  $("results-window").textContent = `(last ${duration(status.resultWindowSeconds)})`;
  lastStatus = status;
  remember({
    at: Date.now() + skewMs,
    ok: true,
    liveRps: pace.liveRps,
    backlog: backlog.notifications,
    queued: backlog.queued,
    age: backlog.oldestDueSeconds,
  });
  renderHold(status.hold, Boolean(status.relay));
  renderPlots(status, chartWindow(status), history, GAP_MS);
  renderJobs(status.recentJobs, Boolean(status.relay));
  renderResults(status.results);
  renderAdaptations(status.adaptations);
  renderSources(status.sources, Boolean(status.relay));
}

/** The window every chart shows, ending at the current second. */
function chartWindow(status) {
  const end = Math.floor((Date.now() + skewMs) / 1000) * 1000 + 1000;
  return { start: end - Math.min(CHART_SECONDS, status.resultWindowSeconds) * 1000, end };
}

function renderHold(hold, admin) {
  $("hold").hidden = !hold;
  $("hold").dataset.kind = hold ? hold.kind : "";
  if (hold) {
    const who = hold.by ? ` by ${hold.by.slice(0, 16)}…` : "";
    $("hold-text").textContent =
      `${hold.kind === "paused" ? "Paused" : `Held (${hold.kind})`}${who} ${ago(hold.since)}: ${hold.reason}`;
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
      $("control-error").textContent =
        `${response.status} ${(problem && (problem.detail || problem.title)) || response.statusText}`;
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

/** Storefront sources' ignored events (admin keys only: a caller's status has none). */
function renderSources(sources, admin) {
  $("sources-panel").hidden = !admin;
  $("sources-empty").hidden = sources.length > 0;
  $("sources").replaceChildren(
    ...sources.map((s) => {
      const reasons = Object.entries(s.ignored).sort((a, b) => b[1] - a[1]);
      const total = reasons.reduce((n, [, count]) => n + count, 0);
      return h("tr", { "data-source": s.source }, [
        h("td", { class: "mono" }, s.source),
        h(
          "td",
          {},
          reasons.map(([reason, count]) =>
            h("span", { class: "reason", "data-reason": reason }, `${reason} ${number.format(count)}`),
          ),
        ),
        h("td", { class: "num" }, number.format(total)),
        h("td", {}, `${s.lastEventType ?? "(unread)"} · ${s.lastReason} · ${ago(s.lastIgnoredAt)}`),
      ]);
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
