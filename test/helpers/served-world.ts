// A world served as `openavail serve` serves it: REST and MCP (Streamable HTTP at /mcp) on one port,
// over the world's database and clock, with an SDK client connected as one agent.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import pino from "pino";
import { type App, type AppConfig, configFromEnv, createApp } from "../../src/compose.js";
import { type RunningServer, startHttpServer } from "../../src/transports/http/server.js";
import { mountMcpHttp } from "../../src/transports/mcp/http.js";
import type { World } from "./world.js";

export interface ServedWorld {
  /** The server's own app over the world's database (closed with the server). */
  readonly app: App;
  readonly server: RunningServer;
  /** An MCP client connected over Streamable HTTP with `key`. */
  readonly mcp: Client;
  /** Closes the client, then the server. The world stays open. */
  close(): Promise<void>;
}

/** The app `openavail serve` builds, over the world's database and clock, silent, on a free port. */
export async function serverAppOf(w: World, overrides: Partial<AppConfig> = {}): Promise<App> {
  const config = configFromEnv(
    {},
    {
      dbPath: w.dbPath,
      databaseUrl: w.databaseUrl,
      now: () => w.clock.now,
      logLevel: "silent",
      rateLimitPerMinute: 0,
      port: 0,
      ...overrides,
    },
  );
  return createApp(config, pino({ level: "silent" }));
}

/** Serves `app` as `openavail serve` mounts it: REST and MCP at /mcp on one port. */
export function serveApp(app: App): Promise<RunningServer> {
  return startHttpServer(app, {
    mountExtra: (hono) => {
      const mount = mountMcpHttp(hono, app, { allowedOrigins: [] });
      return () => mount.close();
    },
  });
}

export async function serveWorld(
  w: World,
  key: string,
  options: { rateLimitPerMinute?: number } = {},
): Promise<ServedWorld> {
  const app = await serverAppOf(w, { rateLimitPerMinute: options.rateLimitPerMinute ?? 0 });
  const server = await serveApp(app);
  const mcp = new Client({ name: "openavail-e2e", version: "1.0.0" });
  await mcp.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  return {
    app,
    server,
    mcp,
    async close() {
      await mcp.close();
      await server.close();
    },
  };
}
