// `openavail serve` as a process: first start seeds the demo data and prints the key once, the key
// works over REST, SIGTERM and SIGINT stop it cleanly, and a second start prints no key.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { registerServeCommand } from "../../src/cli/commands/serve.js";
import { runCli } from "../../src/cli/run-cli.js";
import { SCOPES } from "../../src/service/caller.js";
import { listeningUrl } from "../helpers/serve-process.js";

const ENTRY = join(import.meta.dirname, "serve-entry.ts");
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), "openavail-serve-"));
  dirs.push(dir);
  return join(dir, "openavail.db");
}

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

async function startServe(db: string): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY, "serve", "--db", db, "--port", "0"], {
    cwd: join(import.meta.dirname, "../.."),
    env: { ...process.env, OPENAVAIL_LOG_LEVEL: "silent", OPENAVAIL_PORT: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (b: Buffer) => {
    out += b.toString();
  });
  child.stderr!.on("data", (b: Buffer) => {
    err += b.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await listeningUrl(child, () => out, 20_000).catch((e: Error) => {
    throw new Error(`${e.message}: ${out}\n${err}`);
  });
  return { child, url, stdout: () => out, stderr: () => err, exited };
}

describe("openavail serve", () => {
  it("seeds an empty database once, prints the key once, serves it, and stops on SIGTERM and SIGINT", async () => {
    const db = tempDb();
    const first = await startServe(db);
    const printed = first.stdout();
    // Not \b at the end: a key may end with "-", after which no word boundary follows a space.
    const key = /\b(ak_[A-Za-z0-9_-]{49})(?![A-Za-z0-9_-])/.exec(printed)?.[1];
    const admin = /\b(adm_[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])/.exec(printed)?.[1];
    expect(key, printed).toBeDefined();
    expect(admin, printed).toBeDefined();
    expect(printed).toContain("demo@openavail.local");
    expect(printed).toContain(`curl -s ${first.url}/v1/me -H 'Authorization: Bearer ${key}'`);
    expect(printed).toContain(`"url": "${first.url}/mcp"`);

    const me = await fetch(`${first.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    // The demo agent has every scope, manage_webhooks among them.
    expect(((await me.json()) as { scopes: string[] }).scopes.sort()).toEqual([...SCOPES].sort());
    const hooks = await fetch(`${first.url}/v1/webhooks`, { headers: { authorization: `Bearer ${key}` } });
    expect(hooks.status).toBe(200);
    expect(((await hooks.json()) as { webhooks: unknown[] }).webhooks).toEqual([]);
    const cal = /work calendar (cal_[0-9a-z]+)/.exec(printed)![1];
    const avail = await fetch(
      `${first.url}/v1/calendars/${cal}/availability?start=2030-01-07T00:00:00Z&end=2030-01-08T00:00:00Z`,
      { headers: { authorization: `Bearer ${key}` } },
    );
    expect(avail.status).toBe(200);
    const agents = await fetch(`${first.url}/v1/agents`, { headers: { authorization: `Bearer ${admin}` } });
    expect(agents.status).toBe(200);
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain("Openavail stopped.");

    const second = await startServe(db);
    expect(second.stdout()).not.toMatch(/ak_[A-Za-z0-9_-]{20}/);
    expect(second.stdout()).not.toContain("First start");
    expect(second.stdout()).toContain("openavail key create --agent AGT_ID");
    expect(second.stdout()).toContain("openavail admin-token create");
    const again = await fetch(`${second.url}/v1/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(again.status).toBe(200);
    second.child.kill("SIGINT");
    expect(await second.exited).toBe(0);
  });

  it("exits 1 with a readable message when the port is taken, and 2 for a bad --port", async () => {
    const running = await startServe(tempDb());
    const port = new URL(running.url).port;
    const out = new PassThrough();
    const err = new PassThrough();
    let errText = "";
    err.on("data", (b: Buffer) => {
      errText += b.toString();
    });
    const ctx = { env: { OPENAVAIL_LOG_LEVEL: "silent" }, stdout: out, stderr: err };
    const code = await runCli(["serve", "--db", tempDb(), "--port", port], ctx, {
      registrars: [registerServeCommand],
    });
    expect(code).toBe(1);
    expect(errText).toMatch(/already in use/);
    errText = "";
    expect(await runCli(["serve", "--port", "http"], ctx, { registrars: [registerServeCommand] })).toBe(2);
    expect(errText).toMatch(/--port must be a whole number/);
    running.child.kill("SIGTERM");
    expect(await running.exited).toBe(0);
  });
});
