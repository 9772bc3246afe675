// A world served as `openavail serve` serves it: REST and MCP (Streamable HTTP at /mcp) on one port,
// over the world's database and clock, with an SDK client connected as one agent.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import pino from "pino";
import { type App, configFromEnv, createApp } from "../../src/compose.js";
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

export async function serveWorld(
  w: World,
  key: string,
  options: { rateLimitPerMinute?: number } = {},
): Promise<ServedWorld> {
  const config = configFromEnv(
    {},
    {
      dbPath: w.dbPath,
      now: () => w.clock.now,
      logLevel: "silent",
      rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
      port: 0,
    },
  );
  const app = await createApp(config, pino({ level: "silent" }));
  const server = await startHttpServer(app, {
    mountExtra: (hono) => {
      const mount = mountMcpHttp(hono, app, { allowedOrigins: [] });
      return () => mount.close();
    },
  });
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
