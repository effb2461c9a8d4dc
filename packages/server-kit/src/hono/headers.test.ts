import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Context } from "hono";
import { describe, expect, it } from "vitest";
import { withResponseHeaders } from "./headers.js";

/** A Node server whose handler runs `answer` behind two withResponseHeaders() calls (outer, inner). */
async function serveWith(answer: (res: ServerResponse) => void) {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const c = { env: { incoming: req, outgoing: res } } as unknown as Context;
    void withResponseHeaders(
      c,
      [
        ["x-outer", "outer"],
        ["x-both", "outer"],
      ],
      () => withResponseHeaders(c, [["x-both", "inner"]], async () => answer(res)),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, close: () => new Promise((r) => server.close(r)) };
}

describe("withResponseHeaders on Node's ServerResponse", () => {
  const cases: Record<string, (res: ServerResponse) => void> = {
    "writeHead(status, headers)": (res) => {
      res.writeHead(201, { "Content-Type": "text/plain", "X-Both": "own" });
      res.end("made");
    },
    "writeHead(status, reason, headers)": (res) => {
      res.writeHead(201, "Made", { "Content-Type": "text/plain" });
      res.end("made");
    },
    "writeHead(status, flat array)": (res) => {
      res.writeHead(201, ["Content-Type", "text/plain"]);
      res.end("made");
    },
    "no writeHead (implicit headers)": (res) => {
      res.statusCode = 201;
      res.end("made");
    },
  };
  for (const [name, answer] of Object.entries(cases)) {
    it(`adds them to an answer sent with ${name}; the answer's own and the inner call win`, async () => {
      const server = await serveWith(answer);
      try {
        const res = await fetch(server.url);
        expect([res.status, await res.text(), res.headers.get("x-outer")]).toEqual([201, "made", "outer"]);
        expect(res.headers.get("x-both")).toBe(name === "writeHead(status, headers)" ? "own" : "inner");
        if (name.includes("reason")) expect(res.statusText).toBe("Made");
      } finally {
        await server.close();
      }
    });
  }
});
