/** A webhook endpoint for tests: verifies every delivery with the SDK's constructEvent and keeps it. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

export interface ReceivedEvent {
  event: Stripe.Event;
  signature: string;
}

export interface WebhookReceiver {
  url: string;
  /** Verified events, in arrival order (duplicates included). */
  received: ReceivedEvent[];
  /** Deliveries whose signature did not verify. */
  rejected: string[];
  types(): string[];
  /** Answer the next `count` deliveries with this status instead of 200. */
  failNext(count: number, status?: number): void;
  close(): Promise<void>;
}

const verifier = new Stripe("sk_test_verifier");

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: ReceivedEvent[] = [];
  const rejected: string[] = [];
  let failing = 0;
  let failStatus = 500;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const signature = String(req.headers["stripe-signature"] ?? "");
      if (failing > 0) {
        failing--;
        res.writeHead(failStatus).end();
        return;
      }
      try {
        const event = verifier.webhooks.constructEvent(body, signature, secret);
        received.push({ event, signature });
        res.writeHead(200, { "content-type": "application/json" }).end('{"received":true}');
      } catch (error) {
        rejected.push((error as Error).message);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    rejected,
    types: () => received.map((r) => r.event.type),
    failNext(count, status = 500) {
      failing = count;
      failStatus = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
