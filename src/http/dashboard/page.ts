/**
 * The dashboard's HTML shell. It holds no data: `/assets/dashboard.js` asks for an API key, then fills
 * the page from `GET /v1/status` once a second.
 */
import { htmlPage } from "../pages/html";

const BODY = `
<header class="topbar">
  <h1>alipay-notify-relay <span class="muted">dashboard</span> <span id="client" class="muted"></span></h1>
  <nav>
    <span id="connection" class="pill" hidden></span>
    <a href="/docs">API reference</a>
    <button id="sign-out" type="button" hidden>Sign out</button>
  </nav>
</header>

<section id="login" class="login">
  <h2>Sign in</h2>
  <p class="muted">The dashboard reads <code>GET /v1/status</code> with one of the relay's API keys
  (RELAY_API_KEYS). The key stays in this tab only.</p>
  <form id="login-form" autocomplete="off">
    <label for="api-key">API key</label>
    <input id="api-key" name="api-key" type="password" autocomplete="off" required spellcheck="false">
    <button class="primary" type="submit">Show dashboard</button>
    <p id="login-error" class="error" role="alert"></p>
  </form>
</section>

<main id="board" hidden>
  <div class="cards">
    <div class="card"><h2>Pace</h2>
      <div class="big"><span id="live-rps">–</span> <small>/ <span id="configured-rps">–</span> per s</small></div>
      <p>live / configured · sent in the last second: <span id="sent-last-second">–</span></p></div>
    <div class="card"><h2>Backlog</h2>
      <div class="big"><span id="backlog-notifications">–</span> <small>notifications</small></div>
      <p><span id="backlog-batches">–</span> batches · ETA <span id="backlog-eta">–</span></p></div>
    <div class="card"><h2>In flight</h2>
      <div class="big"><span id="in-flight">–</span> <small>sends</small></div>
      <p>waiting for AlipayHK's answer</p></div>
    <div class="card"><h2>Last exceed-limit</h2>
      <div class="big"><span id="last-exceed">never</span></div>
      <p>REQUEST_TRAFFIC_EXCEED_LIMIT answers lower the live pace</p></div>
  </div>

  <section class="panel">
    <h2>Sends per second <span class="muted">(last 2 min)</span></h2>
    <div class="legend"><span class="l-sends">sends</span><span class="l-exceeded">refused: traffic limit</span>
      <span class="l-limit">configured limit</span><span class="l-live">live pace</span></div>
    <svg id="chart" role="img" aria-label="Sends per second over the last minutes"></svg>
  </section>

  <div class="grid2">
    <section class="panel">
      <h2>Recent jobs</h2>
      <table><thead><tr><th>Job</th><th>Status</th><th>Progress</th><th class="num">Done / total</th><th>Created</th></tr></thead>
      <tbody id="jobs"></tbody></table>
      <p id="jobs-empty" class="empty">No jobs yet.</p>
    </section>
    <div>
      <section class="panel">
        <h2>Results <span id="results-window" class="muted"></span></h2>
        <table><thead><tr><th>Result code</th><th class="num">Attempts</th></tr></thead><tbody id="results"></tbody></table>
        <p id="results-empty" class="empty">No attempts in the window.</p>
      </section>
      <section class="panel">
        <h2>Pace adaptations</h2>
        <ol id="adaptations" class="adaptations"></ol>
        <p id="adaptations-empty" class="empty">None: AlipayHK has not refused a request for traffic.</p>
      </section>
    </div>
  </div>
</main>`;

/** The dashboard page. */
export const DASHBOARD_HTML = htmlPage({
  title: "alipay-notify-relay — dashboard",
  body: BODY,
  script: "/assets/dashboard.js",
  bodyClass: "dashboard",
});
