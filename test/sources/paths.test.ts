/** Field paths and templates: what they read from an event, and how a wrong one is described. */
import { describe, expect, it } from "vitest";
import { firstText, type FieldPath, parseFieldPath, parseTemplate, pick } from "../../src/sources/paths";

const path = (text: string): FieldPath => {
  const parsed = parseFieldPath(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
};

const order = {
  id: 5721340690512,
  total_price: "198.00",
  test: false,
  note_attributes: [
    { name: "gift", value: "yes" },
    { name: "alipayhk.open_id", value: "2088-dotted" },
    { name: "alipayhk_open_id", value: "2088000000000001" },
  ],
  line_items: [{ title: "Oolong" }, { title: "Pu'er" }],
  data: { object: { metadata: { alipayhk_open_id: "2088000000000002" } } },
};

describe("pick", () => {
  it("reads members, array elements and name/value list entries", () => {
    expect(pick(order, path("note_attributes[name=alipayhk_open_id].value"))).toBe("2088000000000001");
    expect(pick(order, path("note_attributes[name=alipayhk.open_id].value"))).toBe("2088-dotted");
    expect(pick(order, path("data.object.metadata.alipayhk_open_id"))).toBe("2088000000000002");
    expect(pick(order, path("line_items[1].title"))).toBe("Pu'er");
    expect(pick(order, path("note_attributes[0][name=x]"))).toBeUndefined();
  });

  it("finds nothing where a step does not apply, and never reads inherited members", () => {
    for (const text of [
      "missing.deeper",
      "line_items[5].title",
      "total_price.length",
      "note_attributes[name=absent].value",
      "constructor",
      "data.__proto__",
    ]) {
      expect(pick(order, path(text)), text).toBeUndefined();
    }
  });

  it("firstText takes the first path holding text (numbers and booleans written out), trimmed", () => {
    const found = firstText({ a: "  ", b: 42, c: "x" }, [path("a"), path("missing"), path("b"), path("c")]);
    expect(found?.text).toBe("42");
    expect(firstText({ a: { nested: true }, b: null }, [path("a"), path("b")])).toBeUndefined();
    expect(firstText(order, [path("test")])?.text).toBe("false");
  });
});

describe("parseFieldPath refuses what it cannot read, saying where", () => {
  it.each([
    ["", "is an empty path"],
    ["a..b", "has no member name at character 3"],
    ["a.", "has no member name at character 3"],
    ["items[", "has [ without its ] at character 6"],
    ["items[]", "[] is neither an index nor member=value"],
    ["items[=x]", "[=x] is neither an index nor member=value"],
    ["items[name=]", "[name=] is neither an index nor member=value"],
    ["items[0]x", "expected . or [ at character 9"],
    ["order total", 'member "order total" holds a space, bracket or brace'],
    ["a".repeat(257), "is longer than 256 characters"],
  ])("%j: %s", (text, problem) => {
    expect(parseFieldPath(text)).toEqual({ ok: false, problem });
  });
});

describe("parseTemplate", () => {
  it("splits literal text and placeholders, spaces inside the braces allowed", () => {
    const parsed = parseTemplate("Order {{ name }} of {{shop.name}}");
    expect(parsed.ok && parsed.value.parts.map((p) => (p.kind === "literal" ? p.text : `<${p.path.text}>`))).toEqual([
      "Order ",
      "<name>",
      " of ",
      "<shop.name>",
    ]);
  });

  it.each([
    ["{{id", "has {{ without its }}"],
    ["id}}", "has }} without a {{ before it"],
    ["a {{}} b", "placeholder {{}} is an empty path"],
  ])("%j: %s", (text, problem) => {
    expect(parseTemplate(text)).toEqual({ ok: false, problem });
  });
});
