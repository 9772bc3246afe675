// A real Radicale CalDAV server (Debian's `radicale` package) for tests: started on a free
// 127.0.0.1 port over a temporary storage folder, with htpasswd (plain) users or no authentication,
// stopped after; plus what a person's own calendar client would do to it (make a calendar, put and
// delete events).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Radicale {
  /** The server's root, e.g. `http://127.0.0.1:5232/`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Creates a calendar collection of the user (MKCALENDAR) and returns its URL (ending in `/`). */
  makeCalendar(name: string, options?: { displayName?: string; timeZone?: string }): Promise<string>;
  /** PUTs an iCalendar object as the owner's own client would; returns its URL. */
  putEvent(calendarUrl: string, name: string, ics: string): Promise<string>;
  /** DELETEs an object (as the owner deleting an event). */
  deleteObject(objectUrl: string): Promise<void>;
  /** GETs an object's text, or null when it does not exist. */
  getObject(objectUrl: string): Promise<string | null>;
  /** The names of the objects in a calendar. */
  listObjects(calendarUrl: string): Promise<string[]>;
  /** Replaces the user's password (the owner revoking an app password); the server reads it per login. */
  setPassword(password: string): void;
  /** Stops the server and removes its storage. */
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the child logs that it is ready; rejects when it exits first or after 15 s. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = "";
    const timer = setTimeout(() => done(new Error(`radicale did not start within 15 s:\n${log}`)), 15_000);
    const look = (chunk: Buffer) => {
      log += chunk.toString("utf8");
      if (log.includes("Radicale server ready")) done();
    };
    const exited = (code: number | null) =>
      done(new Error(`radicale exited (${code}) before it was ready:\n${log}`));
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stderr?.off("data", look);
      child.off("exit", exited);
      if (err) reject(err);
      else resolve();
    };
    child.stderr?.on("data", look);
    child.once("exit", exited);
  });
}

export async function startRadicale(
  options: { username?: string; password?: string; auth?: "htpasswd" | "none" } = {},
): Promise<Radicale> {
  const username = options.username ?? "owner@example.com";
  const password = options.password ?? "app-password-1";
  const dir = mkdtempSync(join(tmpdir(), "openavail-radicale-"));
  const users = join(dir, "users");
  writeFileSync(users, `${username}:${password}\n`, { mode: 0o600 });
  let child: ChildProcess | undefined;
  let port = 0;
  // The port is free when chosen but could be taken before radicale binds it: try a few.
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    const candidate = spawn(
      "radicale",
      [
        "--config",
        "",
        "--server-hosts",
        `127.0.0.1:${port}`,
        "--storage-filesystem-folder",
        join(dir, "collections"),
        ...(options.auth === "none"
          ? ["--auth-type", "none"]
          : [
              "--auth-type",
              "htpasswd",
              "--auth-htpasswd-filename",
              users,
              "--auth-htpasswd-encryption",
              "plain",
            ]),
        "--logging-level",
        "info",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    try {
      await ready(candidate);
      child = candidate;
    } catch (err) {
      candidate.kill();
      if (attempt >= 3) throw err;
    }
  }
  const url = `http://127.0.0.1:${port}/`;
  const auth = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  const request = async (target: string, init: RequestInit = {}): Promise<Response> =>
    fetch(target, { ...init, headers: { authorization: auth, ...(init.headers as Record<string, string>) } });
  const server = child;
  return {
    url,
    username,
    password,
    setPassword(next) {
      writeFileSync(users, `${username}:${next}\n`, { mode: 0o600 });
    },
    async makeCalendar(name, calendarOptions = {}) {
      const target = `${url}${encodeURIComponent(username)}/${encodeURIComponent(name)}/`;
      const zone =
        calendarOptions.timeZone === undefined
          ? ""
          : `<C:calendar-timezone><![CDATA[BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTIMEZONE\r\nTZID:${calendarOptions.timeZone}\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n]]></C:calendar-timezone>`;
      const body = `<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
<D:displayname>${calendarOptions.displayName ?? name}</D:displayname>${zone}
<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
</D:prop></D:set></C:mkcalendar>`;
      const res = await request(target, {
        method: "MKCALENDAR",
        headers: { "content-type": "application/xml" },
        body,
      });
      if (res.status !== 201) throw new Error(`MKCALENDAR ${target}: ${res.status} ${await res.text()}`);
      return target;
    },
    async putEvent(calendarUrl, name, ics) {
      const target = new URL(encodeURIComponent(name), calendarUrl).href;
      const res = await request(target, {
        method: "PUT",
        headers: { "content-type": "text/calendar; charset=utf-8" },
        body: ics,
      });
      if (!res.ok) throw new Error(`PUT ${target}: ${res.status} ${await res.text()}`);
      return target;
    },
    async deleteObject(objectUrl) {
      const res = await request(objectUrl, { method: "DELETE" });
      if (!res.ok) throw new Error(`DELETE ${objectUrl}: ${res.status}`);
    },
    async getObject(objectUrl) {
      const res = await request(objectUrl);
      if (res.status === 404) return null;
      if (!res.ok) throw new Error(`GET ${objectUrl}: ${res.status}`);
      return res.text();
    },
    async listObjects(calendarUrl) {
      const res = await request(calendarUrl, {
        method: "PROPFIND",
        headers: { depth: "1", "content-type": "application/xml" },
        body: '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/></prop></propfind>',
      });
      const text = await res.text();
      return [...text.matchAll(/<href>([^<]+)<\/href>/g)]
        .map((m) => decodeURIComponent(m[1]!.split("/").pop() ?? ""))
        .filter((n) => n !== "");
    },
    async close() {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
        server.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A VCALENDAR with one VEVENT from its property lines (each `NAME[;PARAMS]:VALUE`), CRLF-joined. */
export function vevent(lines: readonly string[], extra: readonly string[] = []): string {
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Openavail tests//EN",
    ...extra,
    "BEGIN:VEVENT",
    ...lines,
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}
