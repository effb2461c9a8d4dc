import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor.js";

describe("cursors", () => {
  it("round-trip a position", () => {
    const position = { at: 1_790_000_000_123, id: "in_1" };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });
  it("reject anything that is not ours", () => {
    expect(decodeCursor("not-a-cursor")).toBeUndefined();
    expect(decodeCursor(Buffer.from('{"a":1}').toString("base64url"))).toBeUndefined();
  });
});
