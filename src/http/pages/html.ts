/** The HTML shell shared by the operator pages (`/docs`, `/dashboard`): no inline script, no external asset. */

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * Headers for the operator pages and their assets. The pages load only the relay's own files and talk
 * only to the relay, so the policy allows nothing else (the relay may run where no CDN is reachable).
 */
export const PAGE_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  // Small files that change with each deploy: revalidate rather than cache stale code.
  "Cache-Control": "no-cache",
} as const;

/** A complete page: `body` is trusted HTML built by the caller with `escapeHtml`. */
export function htmlPage(options: { title: string; body: string; script?: string; bodyClass?: string }): string {
  const script = options.script ? `\n<script type="module" src="${escapeHtml(options.script)}"></script>` : "";
  const bodyClass = options.bodyClass ? ` class="${escapeHtml(options.bodyClass)}"` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<link rel="icon" href="data:,">
<title>${escapeHtml(options.title)}</title>
<link rel="stylesheet" href="/assets/relay.css">${script}
</head>
<body${bodyClass}>
${options.body}
</body>
</html>
`;
}
