// An `openavail mcp` child process driven by the MCP SDK's Client over stdio: shared by the stdio
// end-to-end test and the reliability harness.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";

export interface Session {
  readonly client: Client;
  readonly tools: Tool[];
  /** Errors the client saw outside any request, e.g. a stdout line that is not JSON-RPC. */
  readonly errors: Error[];
  /** The child's process id, once started. */
  readonly pid: number | null;
  stderr(): string;
  call(
    name: string,
    args?: Record<string, unknown>,
    options?: { timeoutMs?: number },
  ): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** The SDK's safe default environment plus Openavail variables (logs at info unless told otherwise). */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  return { ...getDefaultEnvironment(), OPENAVAIL_LOG_LEVEL: "info", ...extra };
}

/**
 * Spawns `node <args>` (e.g. `--import tsx test/e2e/mcp-cli-entry.ts mcp`, or `dist/cli/main.js mcp`)
 * with `env` added to childEnv, connects a Client and lists the tools (which also arms the client's
 * output-schema check of every structuredContent).
 */
export async function openStdioSession(
  args: readonly string[],
  env: Record<string, string>,
  cwd: string,
): Promise<Session> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...args],
    env: childEnv(env),
    cwd,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    // Keep the tail only: a long-lived session may log a lot.
    stderr = (stderr + chunk.toString()).slice(-200_000);
  });
  const client = new Client({ name: "openavail-e2e", version: "1.0.0" });
  const errors: Error[] = [];
  client.onerror = (err) => errors.push(err);
  await client.connect(transport);
  const { tools } = await client.listTools();
  return {
    client,
    tools,
    errors,
    get pid() {
      return transport.pid;
    },
    stderr: () => stderr,
    call: async (name, args = {}, options = {}) =>
      (await client.callTool(
        { name, arguments: args },
        undefined,
        options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : undefined,
      )) as CallToolResult,
    close: () => client.close(),
  };
}

/** The first text block of a tool result. */
export function textOf(res: CallToolResult): string {
  const first = res.content[0];
  return first?.type === "text" ? first.text : "";
}
