/**
 * The relative links of Markdown pages, and which of them point nowhere: a file that does not exist, or
 * an anchor that no heading of the target page makes (anchors as GitHub derives them from headings).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** A link of a page that does not resolve. */
export interface BrokenLink {
  page: string;
  target: string;
  problem: string;
}

/** The page's text without fenced code blocks and inline code (links there are not links). */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** Every link target of `text`: inline links `[text](target)` and reference definitions `[x]: target`. */
export function linkTargets(text: string): string[] {
  const body = prose(text);
  const inline = [...body.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string);
  const references = [...body.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] as string);
  return [...inline, ...references];
}

/** The anchors GitHub gives a page's headings: lowercased, punctuation dropped, spaces to hyphens, repeats numbered. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const match of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = (match[1] as string)
      .replace(/<[^>]+>/g, "")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  // Explicit anchors (`<a id="…">`) count too.
  for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] as string);
  return anchors;
}

/** The relative links of `pages` (paths from `root`) that do not resolve. */
export function brokenLinks(root: string, pages: readonly string[]): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const page of pages) {
    const text = readFileSync(join(root, page), "utf8");
    for (const target of linkTargets(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
      const [pathPart = "", anchor] = target.split("#", 2) as [string, string | undefined];
      const file = pathPart === "" ? join(root, page) : join(root, dirname(page), decodeURIComponent(pathPart));
      if (relative(root, file).startsWith("..")) {
        broken.push({ page, target, problem: "points outside the repository" });
        continue;
      }
      if (!existsSync(file)) {
        broken.push({ page, target, problem: "no such file" });
        continue;
      }
      if (anchor === undefined || anchor === "" || statSync(file).isDirectory() || !file.endsWith(".md")) continue;
      if (!headingAnchors(readFileSync(file, "utf8")).has(decodeURIComponent(anchor))) {
        broken.push({ page, target, problem: `no heading makes #${anchor}` });
      }
    }
  }
  return broken;
}
