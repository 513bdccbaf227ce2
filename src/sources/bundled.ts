/**
 * Declaration files the Worker bundle carries, by the path `RELAY_SOURCES` names them with (from the
 * project root). A Worker cannot read files at run time, so a file it should serve is imported here and
 * bundled at build time; `npm run deploy` then ships it. To deploy your own, add a line:
 *
 *     import shop from "../../sources.json";
 *     export const BUNDLED_SOURCE_FILES = { "examples/sources.json": example, "sources.json": shop };
 *
 * and set `RELAY_SOURCES = "sources.json"`. Inline JSON in RELAY_SOURCES needs no bundling.
 */
import example from "../../examples/sources.json";

/** Bundled declaration files by path. */
export const BUNDLED_SOURCE_FILES: Readonly<Record<string, unknown>> = {
  "examples/sources.json": example,
};
