/** The HTML shell of the operator pages written at build time: no inline script, no external asset. */
import type { Child } from "hono/jsx";

/** A complete page with the shared stylesheet (served from `public/assets/relay.css`). */
export function Layout(props: { title: string; bodyClass?: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <link rel="icon" href="data:," />
        <title>{props.title}</title>
        <link rel="stylesheet" href="/assets/relay.css" />
      </head>
      <body class={props.bodyClass}>{props.children}</body>
    </html>
  );
}

/** Text with `code` spans, the only markup the document's descriptions use. */
export function Inline(props: { text: string | undefined }) {
  return <>{(props.text ?? "").split("`").map((part, i) => (i % 2 === 1 ? <code>{part}</code> : part))}</>;
}

/** Paragraphs separated by blank lines. */
export function Paragraphs(props: { text: string }) {
  return (
    <>
      {props.text.split(/\n{2,}/).map((p) => (
        <p>
          <Inline text={p} />
        </p>
      ))}
    </>
  );
}
