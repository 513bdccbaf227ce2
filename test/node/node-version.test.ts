import { expect, it } from "vitest";
it("runs under a Node that the tooling supports", () => {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  expect(major > 22 || (major === 22 && minor >= 12)).toBe(true);
});
