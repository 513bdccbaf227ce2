import { describe, expect, it } from "vitest";
import { RESULT_CODES, classifyResult, findResultCode } from "../../src/core/result-codes";
import type { ResultClass, ResultInfo } from "../../src/core/types";

function info(resultStatus: string, resultCodeId: string, resultCode: string): ResultInfo {
  return { resultStatus, resultCodeId, resultCode, resultMsg: "" };
}

// The API page's table, restated independently so that a typo in the source table fails a test.
const EXPECTED: [string, string, string, ResultClass][] = [
  ["00000000", "SUCCESS", "S", "success"],
  ["00000019", "PROCESS_FAIL", "F", "final"],
  ["00000901", "UNKNOWN_EXCEPTION", "U", "unknown"],
  ["00000004", "PARAM_ILLEGAL", "F", "final"],
  ["00000007", "INVALID_SIGNATURE", "F", "final"],
  ["00000008", "KEY_NO_FOUND", "F", "final"],
  ["00000013", "NO_INTERFACE_DEF", "F", "final"],
  ["00000014", "API_IS_INVALID", "F", "final"],
  ["00000016", "OAUTH_FAILED", "F", "final"],
  ["00000021", "ACCESS_DENIED", "F", "final"],
  ["12014152", "CLIENT_FORBIDDEN_ACCESS_API", "F", "final"],
  ["12014155", "UNKNOWN_CLIENT", "F", "final"],
  ["12014156", "INVALID_CLIENT_STATUS", "F", "final"],
  ["00000024", "REQUEST_TRAFFIC_EXCEED_LIMIT", "F", "traffic"],
];

describe("the table", () => {
  it("holds exactly the 14 codes of the API page, in order", () => {
    expect(RESULT_CODES.map((r) => [r.resultCodeId, r.resultCode, r.resultStatus])).toEqual(
      EXPECTED.map(([id, code, status]) => [id, code, status]),
    );
    for (const row of RESULT_CODES) expect(row.remark.length).toBeGreaterThan(0);
  });
});

describe("classifyResult, row by row", () => {
  for (const [id, code, status, expected] of EXPECTED) {
    it(`${status} ${code} (${id}) → ${expected}`, () => {
      expect(classifyResult(info(status, id, code))).toBe(expected);
      expect(findResultCode(info(status, id, code))?.resultCode).toBe(code);
    });
  }

  it("recognises a code by its id alone or its name alone", () => {
    expect(classifyResult(info("F", "00000024", ""))).toBe("traffic");
    expect(classifyResult(info("F", "", "REQUEST_TRAFFIC_EXCEED_LIMIT"))).toBe("traffic");
    expect(classifyResult(info("F", "", "ACCESS_DENIED"))).toBe("final");
  });
});

describe("unknown and contradictory answers", () => {
  it("treats an F code the page does not list as final: F means do not resend", () => {
    expect(classifyResult(info("F", "99999999", "SOMETHING_NEW"))).toBe("final");
  });

  it("treats U with any code as unknown", () => {
    expect(classifyResult(info("U", "12345678", "WHATEVER"))).toBe("unknown");
  });

  it("treats statuses the page does not define as unknown, never success", () => {
    for (const status of ["", "s", "SUCCESS", "P", "A", " S"]) {
      expect(classifyResult(info(status, "00000000", "SUCCESS"))).toBe("unknown");
    }
  });

  it("accepts status S with an unlisted code as success (only S is success)", () => {
    expect(classifyResult(info("S", "10000000", "ACCEPTED"))).toBe("success");
  });

  it("treats a status that contradicts the table as unknown", () => {
    expect(classifyResult(info("S", "00000019", "PROCESS_FAIL"))).toBe("unknown");
    expect(classifyResult(info("F", "00000000", "SUCCESS"))).toBe("unknown");
    expect(classifyResult(info("F", "00000901", "UNKNOWN_EXCEPTION"))).toBe("unknown");
  });

  it("treats a code name and id of two different rows as unknown", () => {
    expect(classifyResult(info("F", "00000019", "REQUEST_TRAFFIC_EXCEED_LIMIT"))).toBe("unknown");
    expect(classifyResult(info("S", "00000019", "SUCCESS"))).toBe("unknown");
    expect(findResultCode(info("F", "00000019", "REQUEST_TRAFFIC_EXCEED_LIMIT"))).toBeNull();
  });
});

describe("REQUEST_TRAFFIC_EXCEED_LIMIT whatever its status", () => {
  // Other Alipay-family APIs answer the refusal with U. Read as "unknown" it would spend retry budget and
  // never lower the pace, so the code (or its id, 00000024) decides.
  it("classes U with the code and the id as traffic", () => {
    expect(classifyResult(info("U", "00000024", "REQUEST_TRAFFIC_EXCEED_LIMIT"))).toBe("traffic");
  });

  it("classes U with the code alone, or with id 00000024 alone, as traffic", () => {
    expect(classifyResult(info("U", "", "REQUEST_TRAFFIC_EXCEED_LIMIT"))).toBe("traffic");
    expect(classifyResult(info("U", "00000024", ""))).toBe("traffic");
    // Another API's id for the same code, or another name for the same id.
    expect(classifyResult(info("U", "10000024", "REQUEST_TRAFFIC_EXCEED_LIMIT"))).toBe("traffic");
    expect(classifyResult(info("U", "00000024", "TRAFFIC_LIMIT"))).toBe("traffic");
  });

  it("classes statuses the page does not define, with the code, as traffic", () => {
    for (const status of ["", "P", "u"]) {
      expect(classifyResult(info(status, "00000024", "REQUEST_TRAFFIC_EXCEED_LIMIT"))).toBe("traffic");
    }
  });

  it("classes S with the code as unknown: processed and refused cannot both be true", () => {
    expect(classifyResult(info("S", "00000024", "REQUEST_TRAFFIC_EXCEED_LIMIT"))).toBe("unknown");
    expect(classifyResult(info("S", "", "REQUEST_TRAFFIC_EXCEED_LIMIT"))).toBe("unknown");
  });

  it("still classes a code name and id of two different rows as unknown", () => {
    expect(classifyResult(info("U", "00000901", "REQUEST_TRAFFIC_EXCEED_LIMIT"))).toBe("unknown");
    expect(classifyResult(info("U", "00000024", "UNKNOWN_EXCEPTION"))).toBe("unknown");
  });

  it("leaves U with any other code unknown", () => {
    expect(classifyResult(info("U", "00000901", "UNKNOWN_EXCEPTION"))).toBe("unknown");
    expect(classifyResult(info("U", "00000019", "PROCESS_FAIL"))).toBe("unknown");
  });
});
