import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTIFICATION_SIGNATURE_HEADER, signNotificationBody, webhookNotificationSender } from "./senders.js";

describe("webhookNotificationSender", () => {
  const received: { headers: IncomingMessage["headers"]; body: string }[] = [];
  let status = 204;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push({ headers: req.headers, body });
      res.statusCode = status;
      res.end();
    });
  });
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const notification = {
    id: "ntf_1",
    tenantId: "ten_1",
    kind: "payment_failed",
    payload: { invoiceId: "in_1", amountDue: 4_900 },
    createdAt: new Date("2026-01-15T00:00:00Z"),
  };

  it("POSTs the notification as JSON with an HMAC signature the receiver can verify", async () => {
    const sender = webhookNotificationSender({
      url,
      secret: "s3cret",
      clock: () => new Date("2026-01-15T00:01:00Z"),
    });
    await sender.send(notification);
    const [request] = received.splice(0);
    expect(JSON.parse(request!.body)).toMatchObject({ id: "ntf_1", kind: "payment_failed" });
    expect(request!.headers["content-type"]).toBe("application/json");
    const t = Date.parse("2026-01-15T00:01:00Z") / 1000;
    expect(request!.headers[NOTIFICATION_SIGNATURE_HEADER.toLowerCase()]).toBe(
      signNotificationBody(request!.body, "s3cret", t),
    );
    expect(signNotificationBody(request!.body, "other", t)).not.toBe(
      request!.headers[NOTIFICATION_SIGNATURE_HEADER.toLowerCase()],
    );
  });

  it("fails on a non-2xx answer, so the notification stays in the outbox", async () => {
    status = 503;
    await expect(webhookNotificationSender({ url, secret: "s3cret" }).send(notification)).rejects.toThrow(
      "notification webhook answered 503",
    );
  });
});
