// What an OAuth access token costs against an API key, in one run on one server: the same tools/call
// (get_free_busy over a week with 50 bookings) over Streamable HTTP, one call at a time, by two agents
// with the same scopes and owners, one holding an API key and one signed in through the OAuth flow
// (registration, consent, code exchange). Blocks of calls alternate between the two so that drift
// in the machine's load falls on both. Reports round-trip p50/p99 from each send and the server's
// CPU per call, and their ratios (target: the token costs no more than the key, within 10%).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { auth } from "@modelcontextprotocol/sdk/client/auth.js";
import { toInstant } from "../../schemas/time.js";
import { createAdminToken } from "../../src/service/admin-tokens.js";
import { CookieBrowser, locationOf, MemoryOAuthClient } from "../helpers/oauth-client.js";
import { listeningUrl } from "../helpers/serve-process.js";
import { makeWorld } from "../helpers/world.js";
import { processCpuMs } from "./mcp.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OWNER = "bench@example.com";
const ROUNDS = 6;
const CALLS_PER_BLOCK = 300;
const WARMUP = 100;
const MAX_RATIO = 1.1;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** Signs a client in over HTTP as a remote MCP client would, approving as the console does. */
async function signIn(base: string, adminToken: string): Promise<string> {
  const client = new MemoryOAuthClient({ name: "bench (OAuth)" });
  if ((await auth(client, { serverUrl: `${base}/mcp` })) !== "REDIRECT")
    throw new Error("expected a redirect");
  const browser = new CookieBrowser();
  const consent = locationOf(await browser.get(client.authorizationUrl!), client.authorizationUrl!);
  const uid = decodeURIComponent(consent.hash.replace(/^#\/oauth\//, ""));
  const approved = (await (
    await browser.fetch(`${base}/v1/admin/oauth/requests/${uid}/approve`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        owners: [OWNER],
        scopes: ["read_freebusy", "read_events", "create_holds", "create_bookings"],
      }),
    })
  ).json()) as { redirect_to: string };
  const callback = locationOf(await browser.get(approved.redirect_to), approved.redirect_to);
  const code = callback.searchParams.get("code");
  if (!code) throw new Error(`no code: ${callback.href}`);
  await auth(client, { serverUrl: `${base}/mcp`, authorizationCode: code });
  return client.tokens()!.access_token;
}

export async function benchOAuth(): Promise<Record<string, unknown>> {
  const main = join(ROOT, "dist", "src", "cli", "main.js");
  if (!existsSync(main)) throw new Error("Build first (npm run build): this bench runs the compiled server.");
  const world = await makeWorld(new Date().toISOString());
  await world.addOwner(OWNER, "UTC");
  const start = Math.floor(Date.now() / DAY) * DAY + 7 * DAY;
  const seeder = await world.addAgent({ name: "seeder" });
  for (let i = 0; i < 50; i++) {
    await world.call(seeder.caller, "create_booking", {
      owner_email: OWNER,
      start: toInstant(start + Math.floor(i / 10) * DAY + 9 * HOUR + (i % 10) * 45 * 60_000),
      duration_minutes: 30,
      title: `seed ${i}`,
    });
  }
  const keyAgent = await world.addAgent({
    name: "bench (key)",
    scopes: ["read_freebusy", "read_events", "create_holds", "create_bookings"],
    owners: [OWNER],
  });
  const adminToken = (await createAdminToken(world.app.ledger.db, Date.now())).token;
  await world.app.close();
  const child = spawn(process.execPath, [main, "serve", "--db", world.dbPath, "--port", "0"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", OPENAVAIL_LOG_LEVEL: "warn", OPENAVAIL_RATE_LIMIT: "0" },
    stdio: ["ignore", "pipe", "ignore"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => {
    out += b.toString();
  });
  try {
    const base = await listeningUrl(child, () => out, 30_000);
    const token = await signIn(base, adminToken);
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name: "get_free_busy",
        arguments: {
          owner_email: OWNER,
          window: { start: toInstant(start), end: toInstant(start + 7 * DAY) },
        },
      },
    });
    const call = async (credential: string): Promise<number> => {
      const sent = performance.now();
      const res = await fetch(`${base}/mcp`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${credential}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-06-18",
        },
        body,
      });
      const text = await res.text();
      if (res.status !== 200 || text.includes('"isError":true'))
        throw new Error(`call failed: ${res.status} ${text}`);
      return performance.now() - sent;
    };
    const kinds = { api_key: keyAgent.key, oauth_token: token } as const;
    const samples: Record<keyof typeof kinds, number[]> = { api_key: [], oauth_token: [] };
    const cpu: Record<keyof typeof kinds, number> = { api_key: 0, oauth_token: 0 };
    for (const credential of Object.values(kinds)) for (let i = 0; i < WARMUP; i++) await call(credential);
    for (let round = 0; round < ROUNDS; round++) {
      const order =
        round % 2 === 0 ? (["api_key", "oauth_token"] as const) : (["oauth_token", "api_key"] as const);
      for (const kind of order) {
        const cpu0 = processCpuMs(child.pid) ?? 0;
        for (let i = 0; i < CALLS_PER_BLOCK; i++) samples[kind].push(await call(kinds[kind]));
        cpu[kind] += (processCpuMs(child.pid) ?? 0) - cpu0;
      }
    }
    const calls = ROUNDS * CALLS_PER_BLOCK;
    const summary = (kind: keyof typeof kinds) => {
      const sorted = [...samples[kind]].sort((a, b) => a - b);
      return {
        p50_ms: round3(percentile(sorted, 50)),
        p99_ms: round3(percentile(sorted, 99)),
        server_cpu_ms_per_call: round3(cpu[kind] / calls),
        calls,
      };
    };
    const key = summary("api_key");
    const oauth = summary("oauth_token");
    const ratio = {
      p50: round3(oauth.p50_ms / key.p50_ms),
      p99: round3(oauth.p99_ms / key.p99_ms),
      server_cpu: round3(oauth.server_cpu_ms_per_call / key.server_cpu_ms_per_call),
    };
    console.log(
      `tools/call get_free_busy, one at a time, ${calls} each: API key p50 ${key.p50_ms} ms p99 ${key.p99_ms} ms ` +
        `(server ${key.server_cpu_ms_per_call} ms CPU/call); OAuth token p50 ${oauth.p50_ms} ms p99 ${oauth.p99_ms} ms ` +
        `(server ${oauth.server_cpu_ms_per_call} ms CPU/call); token/key ratio p50 ${ratio.p50}, CPU ${ratio.server_cpu}`,
    );
    return {
      api_key: key,
      oauth_token: oauth,
      ratio,
      targets: { token_over_key_p50_max: MAX_RATIO, token_over_key_cpu_max: MAX_RATIO },
      pass: { token_p50: ratio.p50 <= MAX_RATIO, token_cpu: ratio.server_cpu <= MAX_RATIO },
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("close", resolve));
    await world.close();
  }
}

// `node --import tsx test/bench/oauth.ts` runs this bench alone (after `npm run build`).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(JSON.stringify(await benchOAuth(), null, 2));
}
