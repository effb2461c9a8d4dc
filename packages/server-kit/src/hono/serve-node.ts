/** @module Serving a Hono app on Node with graceful shutdown. */
import { type ServerType, serve } from "@hono/node-server";
import type { Logger } from "pino";

export interface ServeNodeOptions {
  fetch: (request: Request) => Response | Promise<Response>;
  port: number;
  hostname?: string;
  logger: Logger;
  /** Runs after the server stopped accepting and in-flight requests finished: flush buffers, close pools. */
  onShutdown?: () => Promise<void>;
  /** Hard deadline for the whole shutdown. @default 15000 */
  shutdownTimeoutMs?: number;
  /** Exit the process when done (false in tests). @default true */
  exit?: boolean;
}

export interface RunningServer {
  server: ServerType;
  port: number;
  /** Stop accepting, finish in-flight requests, run onShutdown. Idempotent. */
  shutdown(reason?: string): Promise<void>;
}

/**
 * Starts the server and installs SIGTERM/SIGINT handlers for a graceful stop.
 *
 * @example
 * await serveNode({ fetch: app.fetch, port: env.PORT, logger, onShutdown: () => deps.close() });
 */
export function serveNode(options: ServeNodeOptions): Promise<RunningServer> {
  return new Promise((resolve) => {
    let stopping: Promise<void> | undefined;
    const server = serve({ fetch: options.fetch, port: options.port, hostname: options.hostname }, (info) => {
      options.logger.info({ port: info.port }, "server.listening");
      resolve({ server, port: info.port, shutdown });
    });
    const shutdown = (reason = "shutdown"): Promise<void> => {
      stopping ??= (async () => {
        options.logger.info({ reason }, "shutdown.start");
        const deadline = setTimeout(() => {
          options.logger.error({ reason }, "shutdown.timeout");
          if (options.exit !== false) process.exit(1);
        }, options.shutdownTimeoutMs ?? 15_000);
        deadline.unref();
        await new Promise<void>((done) => {
          server.close(() => done());
          // Idle keep-alive sockets would hold close() open until they time out.
          (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        });
        try {
          await options.onShutdown?.();
          options.logger.info({ reason }, "shutdown.done");
        } catch (error) {
          options.logger.error({ err: error }, "shutdown.failed");
        } finally {
          clearTimeout(deadline);
        }
        if (options.exit !== false) process.exit(0);
      })();
      return stopping;
    };
    if (options.exit !== false) {
      process.once("SIGTERM", () => void shutdown("SIGTERM"));
      process.once("SIGINT", () => void shutdown("SIGINT"));
    }
  });
}
