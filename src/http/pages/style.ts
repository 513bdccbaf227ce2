/** The stylesheet of the operator pages (`GET /assets/relay.css`): system fonts, light and dark. */
export const RELAY_CSS = `
:root {
  --bg: #f6f7f9; --panel: #ffffff; --text: #1b1f24; --muted: #5f6b7a; --line: #e2e6eb;
  --accent: #1677ff; --accent-soft: #d6e6ff; --ok: #1f9d55; --warn: #d97706; --bad: #d1343b;
  --code-bg: #eef1f5; --radius: 10px;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1318; --panel: #171c23; --text: #e6e9ee; --muted: #94a0b0; --line: #28303b;
    --accent: #4c8dff; --accent-soft: #1d2f4d; --code-bg: #202733;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em; }
code { background: var(--code-bg); padding: 0.1em 0.35em; border-radius: 4px; }
pre { background: var(--code-bg); padding: 12px; border-radius: 8px; overflow: auto; }
pre code { background: none; padding: 0; }
h1, h2, h3, h4 { line-height: 1.25; }
.muted { color: var(--muted); font-weight: normal; }
[hidden] { display: none !important; }

.topbar {
  display: flex; align-items: center; justify-content: space-between; gap: 16px;
  padding: 12px 24px; background: var(--panel); border-bottom: 1px solid var(--line);
  position: sticky; top: 0; z-index: 2;
}
.topbar h1 { font-size: 18px; margin: 0; }
.topbar nav { display: flex; gap: 16px; align-items: center; white-space: nowrap; }
button {
  font: inherit; border: 1px solid var(--line); background: var(--panel); color: var(--text);
  padding: 6px 14px; border-radius: 8px; cursor: pointer;
}
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
table { width: 100%; border-collapse: collapse; margin: 8px 0 16px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); font-weight: 600; }

/* API reference */
.reference { display: grid; grid-template-columns: 260px minmax(0, 1fr); max-width: 1280px; margin: 0 auto; }
.toc { position: sticky; top: 56px; align-self: start; max-height: calc(100vh - 56px); overflow: auto; padding: 16px; font-size: 14px; }
.toc h3 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); margin: 16px 0 6px; }
.toc ul { list-style: none; margin: 0; padding: 0; }
.toc li { margin: 2px 0; }
.toc .method { font-size: 10px; min-width: 38px; }
.reference main { padding: 8px 32px 64px; min-width: 0; }
.reference main > section > h2 { margin-top: 40px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
.operation, .schema { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 4px 20px 12px; margin: 16px 0; }
.operation h3 { display: flex; align-items: center; gap: 10px; font-size: 18px; }
.operation .summary { font-weight: 600; margin-top: -6px; }
.operation h4 { margin: 18px 0 6px; font-size: 14px; }
.method {
  display: inline-block; text-align: center; text-transform: uppercase; font-size: 12px; font-weight: 700;
  padding: 2px 8px; border-radius: 6px; color: #fff; background: var(--muted);
}
.method.get { background: var(--ok); }
.method.post { background: var(--accent); }
.path { font-size: 16px; background: none; }
.req { color: var(--bad); font-size: 11px; }
.response { border-left: 3px solid var(--line); padding: 2px 0 2px 12px; margin: 10px 0; }
.response-head { font-size: 14px; }
.status { display: inline-block; font-weight: 700; padding: 0 6px; border-radius: 4px; margin-right: 6px; }
.status.ok { color: var(--ok); }
.status.error { color: var(--bad); }
.headers, .media { margin: 4px 0; font-size: 14px; }
details { margin: 4px 0; font-size: 14px; }
summary { cursor: pointer; color: var(--muted); }

/* Dashboard */
.dashboard main { max-width: 1280px; margin: 0 auto; padding: 20px 24px 48px; }
.login { max-width: 420px; margin: 12vh auto; background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 24px 28px; }
.login h2 { margin-top: 0; }
.login label { display: block; font-weight: 600; margin-bottom: 6px; }
.login input { width: 100%; font: inherit; padding: 8px 10px; border: 1px solid var(--line); border-radius: 8px; background: var(--bg); color: var(--text); margin-bottom: 12px; }
.login .error { color: var(--bad); min-height: 1.5em; margin: 8px 0 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 16px; }
.card, .panel { background: var(--panel); border: 1px solid var(--line); border-radius: var(--radius); padding: 14px 18px; }
.card h2, .panel h2 { font-size: 13px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--muted); margin: 0 0 6px; }
.card .big { font-size: 30px; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .big small { font-size: 16px; color: var(--muted); font-weight: 500; }
.card p { margin: 2px 0 0; color: var(--muted); font-size: 13px; }
.panel { margin-top: 16px; }
.grid2 { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); column-gap: 16px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } .reference { grid-template-columns: 1fr; } .toc { display: none; } }
.legend { display: flex; gap: 16px; font-size: 13px; color: var(--muted); flex-wrap: wrap; }
.legend span::before { content: ""; display: inline-block; width: 14px; height: 3px; margin-right: 6px; vertical-align: middle; background: currentColor; }
.legend .l-sends { color: var(--accent); } .legend .l-exceeded { color: var(--bad); }
.legend .l-limit { color: var(--warn); } .legend .l-live { color: var(--ok); }
#chart { width: 100%; height: 240px; display: block; }
#chart .grid { stroke: var(--line); stroke-width: 1; }
#chart .axis { fill: var(--muted); font-size: 11px; }
#chart .sends { fill: var(--accent); }
#chart .exceeded { fill: var(--bad); }
#chart .limit { stroke: var(--warn); stroke-width: 2; stroke-dasharray: 6 4; }
#chart .live { stroke: var(--ok); stroke-width: 1.5; stroke-dasharray: 2 3; }
#chart .adaptation { stroke: var(--bad); stroke-width: 1; stroke-dasharray: 3 3; opacity: 0.7; }
#chart .limit-label { fill: var(--warn); font-weight: 600; }
#chart .live-label { fill: var(--ok); font-weight: 600; }
.progress { position: relative; display: flex; height: 10px; background: var(--code-bg); border-radius: 5px; overflow: hidden; min-width: 120px; }
.progress .ok { background: var(--ok); transition: width 0.4s ease; }
.progress .failed { background: var(--bad); transition: width 0.4s ease; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; background: var(--code-bg); }
.pill.completed, .pill.live { background: #d7f3e3; color: #14623a; }
.pill.running { background: var(--accent-soft); color: var(--accent); }
.pill.down { background: #fbdcdd; color: #8c1d22; }
.code-ok { color: var(--ok); } .code-warn { color: var(--warn); } .code-bad { color: var(--bad); }
.adaptations { list-style: none; padding: 0; margin: 0; font-size: 14px; }
.adaptations li { padding: 6px 8px; border-bottom: 1px solid var(--line); border-radius: 6px; }
.adaptations li.fresh { animation: flash 3s ease-out; }
@keyframes flash { from { background: #fde2c4; } to { background: transparent; } }
.empty { color: var(--muted); font-size: 14px; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
`;
