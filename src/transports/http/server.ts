// Starts the HTTP server on config.host:config.port and stops it gracefully: stop accepting, let
// in-flight requests finish (idle keep-alive connections are closed at once), then close the ledger.

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import type { App } from "../../compose.js";
import { createHttpApp, type MountExtra } from "./http-app.js";

export interface HttpServerOptions {
  /** Mounts extra routes on the same Hono app (the MCP transport mounts /mcp and /sse here). */
  readonly mountExtra?: MountExtra;
  /** Overrides of app.config.host / app.config.port (0 picks a free port). */
  readonly host?: string;
  readonly port?: number;
  /** How long close() waits for in-flight requests before cutting connections (ms, default 10 s). */
  readonly graceMs?: number;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:7420 (with the real port when 0 was asked for). */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, waits for in-flight requests, closes the app (and its ledger). Idempotent. */
  close(): Promise<void>;
}

/** Starts serving `app`. Rejects with a readable message when the port is taken. */
export async function startHttpServer(app: App, options: HttpServerOptions = {}): Promise<RunningServer> {
  const host = options.host ?? app.config.host;
  const port = options.port ?? app.config.port;
  const graceMs = options.graceMs ?? 10_000;
  const { hono, cleanup } = createHttpApp(app, {
    boundHost: host,
    ...(options.mountExtra ? { mountExtra: options.mountExtra } : {}),
  });
  const server = createAdaptorServer({ fetch: hono.fetch }) as Server;
  // Keep-alive clients (the MCP SDK, benchmarks) reuse sockets; Node's default of 5 s is the floor.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(
        err.code === "EADDRINUSE"
          ? Object.assign(
              new Error(
                `Port ${port} on ${host} is already in use: stop the other process, or pick another port with --port or OPENAVAIL_PORT.`,
              ),
              { code: err.code },
            )
          : err,
      );
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });

  const bound = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${bound}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    port: bound,
    close() {
      closing ??= (async () => {
        await cleanup?.();
        await new Promise<void>((resolve) => {
          // Connections that finish their request become idle; close those promptly, until none is left.
          const sweep = setInterval(() => server.closeIdleConnections(), 25);
          const cut = setTimeout(() => server.closeAllConnections(), graceMs);
          server.close(() => {
            clearInterval(sweep);
            clearTimeout(cut);
            resolve();
          });
          server.closeIdleConnections();
        });
        await app.close();
      })();
      return closing;
    },
  };
}
