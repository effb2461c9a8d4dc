/** @module Opaque pagination cursors. */

/** Encodes a position (sort value and id) as an opaque cursor. */
export const encodeCursor = (position: { at: number; id: string }): string =>
  Buffer.from(JSON.stringify([position.at, position.id])).toString("base64url");

/** Decodes a cursor; undefined when it is not one of ours (the caller answers 400). */
export function decodeCursor(cursor: string): { at: number; id: string } | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "string") {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  return undefined;
}
