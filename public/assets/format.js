// @ts-check
/** How the dashboard writes numbers and durations, and builds its HTML elements. */

/** Whole numbers, grouped as the reader's locale groups them. */
export const number = new Intl.NumberFormat();
/** Rates and other numbers to one decimal. */
export const rate = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

/** `seconds` as a reader says it: `4.2 s`, `12 s`, `3 min 5 s`, `2 h 10 min`. */
export function duration(seconds) {
  const s = Math.round(seconds);
  if (s < 60) return seconds > 0 && seconds < 10 ? `${rate.format(seconds)} s` : `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min${s % 60 ? ` ${s % 60} s` : ""}` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** An HTML element with attributes (empty ones left out) and text or children. */
export function h(name, attributes, children) {
  const node = document.createElement(name);
  for (const [k, v] of Object.entries(attributes)) if (v !== "") node.setAttribute(k, v);
  if (typeof children === "string") node.textContent = children;
  else if (children) node.append(...children);
  return node;
}
