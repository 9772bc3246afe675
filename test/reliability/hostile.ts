// Scenario: hostile input. For every tool, fast-check generates arguments with one corruption each —
// wrong types, unknown and prototype keys (every Object.prototype name: __proto__, constructor,
// toString, ...), Object.prototype names as values (of meeting_class and calendar_type above all),
// missing fields, huge strings and arrays, malformed instants and year 10000, instants outside
// 1970..9999 (years 0000-0099, offsets past 9999-12-31), extreme but valid instants, lone surrogates
// in strings and keys, negative and out-of-range numbers, inverted spans, SQL metacharacters in every
// string field, whole numbers spelled as text (valid or not), end and duration_minutes together
// (agreeing or not) and a start alone — and sends them over REST (bodies, query strings and path
// segments, GET routes' windows as their start and end parameters) and over MCP
// (arguments through the SDK client; Streamable HTTP, and a stdio process when asked). Plus a few
// 10 MB strings, and whole requests (hostile-requests.ts): invalid UTF-8 bytes in bodies (and on
// stdin, with the stdio process), empty, oversized and duplicate-id batches on /mcp and /messages,
// chunked bodies past each bound; and Object.prototype names, lone surrogates and out-of-range
// instants on the admin surface (default_class, scopes, calendar_type, names, since).
//
// Expected of every one: never a 5xx or a protocol failure; the server still answers (/healthz, or
// a normal follow-up call over stdio); Object.prototype untouched (checked directly: the HTTP server
// runs in this process). What the tool's own schema refuses, and what the service refuses beyond it
// (the oracle, applied to exactly what the transport will hand the tool: a lone surrogate anywhere,
// an Object.prototype name as meeting_class or calendar_type, an instant outside 1970..9999), must
// come back as a 4xx error object naming the corrupted field (those three: exactly 400), with the
// database unchanged (hash of every table but api_keys.last_used_at); no Object.prototype name is
// ever stored as a class, calendar type or default. A lone surrogate in a REST path segment travels as
// bytes that are not UTF-8: refused as such (400 saying UTF-8), like an invalid UTF-8 body. What is
// accepted (a SQL string or "constructor" in a title, an extreme date) may succeed: then the schema is
// intact, no table lost rows, and a stored title is the literal string sent; a valid form of issue 15
// (a numeric string, end and duration agreeing, a start alone where allowed) must not be refused as
// malformed; and a dry run (the preempt and reschedule_booking bases are dry runs) must write nothing
// but its decision row. Before the generated cases, language.ts speaks issue 15's input language on
// purpose (spans, a hold's fields repeated, dry runs, the verdict table, check-hold release).
import type { ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import type BetterSqlite3 from "better-sqlite3";
import fc from "fast-check";
import { Instant } from "../../schemas/time.js";
import { createAgent, createApiKey } from "../../src/service/admin.js";
import { createAdminToken } from "../../src/service/agents-admin.js";
import { OpenavailError } from "../../src/service/errors.js";
import { queryCoercer } from "../../src/transports/rest/query-params.js";
import { pathParams } from "../../src/transports/rest/route-table.js";
import { aliased, readsQuery, withFixed, withPathParams } from "../../src/transports/rest/tool-routes.js";
import { TOOLS, type ToolDefinition } from "../../tools/index.js";
import {
  BAD_INSTANTS,
  badInstant,
  hasLoneSurrogate,
  hugeString,
  invalidUtf8In,
  isObjectPrototypeName,
  isOutOfRangeInstant,
  OBJECT_PROTOTYPE_NAMES,
  objectPrototypeName,
  outOfRangeInstant,
  propsOf,
  setOwn,
  unknownKey,
  withLoneSurrogate,
  withPath,
  wrongTypeFor,
} from "../helpers/fuzz-arbitraries.js";
import type { Session } from "../helpers/mcp-stdio-session.js";
import { ALL_SCOPES } from "../helpers/world.js";
import { type CliEntry, type Outcome, sleep, type Violation } from "./common.js";
import { type Driver, mcpHttpDriver, restDriver, restRequest, sendRest, stdioDriver } from "./drivers.js";
import { buildFixture } from "./fixture.js";
import { hostileRequests } from "./hostile-requests.js";
import { dryRunWrites, languageChecks, maxDecisionSeq, scheduleRows } from "./language.js";
import { CallLog } from "./load.js";
import { type ScenarioResult, scenarioResult } from "./report.js";
import { startInProcess } from "./servers.js";
import { isDryRun } from "./verdicts.js";

export interface HostileOptions {
  /** Cases per tool over REST and again over MCP Streamable HTTP. */
  readonly runsPerTool: number;
  /** Cases per tool over MCP stdio (0: no stdio process). */
  readonly stdioRunsPerTool: number;
  /** 10 MB strings per transport. */
  readonly hugeBodies: number;
  readonly seed: number;
  readonly entry: CliEntry;
  /** Also send one stdin message over the SDK's 10 MiB line limit and require the session to survive it. */
  readonly oversizedStdio: boolean;
  readonly progress?: (line: string) => void;
}

// ---- the database fingerprint -------------------------------------------------------------------

/** SHA-256 of every table (rows in rowid order), api_keys without last_used_at. */
export function ledgerHash(sqlite: BetterSqlite3.Database): string {
  const h = createHash("sha256");
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string }[];
  for (const { name } of tables) {
    const cols = (sqlite.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[])
      .map((c) => c.name)
      .filter((c) => !(name === "api_keys" && c === "last_used_at"));
    h.update(name);
    const rows = sqlite
      .prepare(`SELECT ${cols.map((c) => `"${c}"`).join(", ")} FROM "${name}" ORDER BY rowid`)
      .raw()
      .all();
    h.update(JSON.stringify(rows));
  }
  return h.digest("hex");
}

function schemaHash(sqlite: BetterSqlite3.Database): string {
  return JSON.stringify(sqlite.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name").all());
}

function rowCounts(sqlite: BetterSqlite3.Database): Record<string, number> {
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all() as { name: string }[];
  return Object.fromEntries(
    tables.map(({ name }) => [
      name,
      (sqlite.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n,
    ]),
  );
}

// ---- cases --------------------------------------------------------------------------------------

export interface HostileCase {
  readonly category: string;
  /** Dotted path of the corrupted field ("" for the whole input). */
  readonly path: string;
  readonly args: Record<string, unknown>;
  /** The one status a refusal of this case may have (issue 14: these are 400 naming the field). */
  readonly status?: number;
}

const SQL = [
  "' OR '1'='1",
  "'; DROP TABLE bookings; --",
  '" OR 1=1 --',
  "1;DELETE/**/FROM/**/decisions",
  "%' UNION SELECT hash FROM api_keys --",
  "Robert'); DROP TABLE agents;--",
  "\\'; SELECT sqlite_version(); --",
  "_%",
  "x' AND (SELECT count(*) FROM owners) > 0 AND 'a'='a",
  "\u0000'; --",
];
const YEAR_10000 = [
  "10000-01-01T00:00:00Z",
  "+010000-01-01T00:00:00Z",
  "-000001-01-01T00:00:00Z",
  "2026-13-01T00:00:00Z",
];
// The bounds of the accepted range, and odd but valid spellings. Years 0000-0099 are not here any
// more: they are refused (OUT_OF_RANGE_INSTANTS in test/helpers/fuzz-arbitraries.ts).
const EXTREME_DATES = [
  "9999-12-31T23:59:59Z",
  "9999-12-31T23:59:59.999Z",
  "9999-12-31T23:59:59.999+00:00",
  "1970-01-01T00:00:00Z",
  "1970-01-01T05:30:00+05:30",
  "2026-03-03T14:00:00.999999999+14:00",
  "2026-03-03T14:00:00-23:59",
  "2026-03-03t14:00:00z",
];
const BAD_NUMBERS = [-30, -1, 0, 4, 101, 241, 1441, 3601, 1e308, -1e308, 1.5, -0.5, 2 ** 53 + 2];
/** Ways to write a whole number as text: the first three are the number, the rest are not numbers. */
const NUMERIC_SPELLINGS: readonly ((n: number) => string)[] = [
  (n) => String(n),
  (n) => ` ${n} `,
  (n) => `${n}.0`,
  (n) => `+${n}`,
  (n) => `${n}e0`,
  (n) => `0x${n.toString(16)}`,
  (n) => `${n}.5`,
  (n) => `${n} minutes`,
  () => "",
  (n) => `-${n}`,
];
/** Categories whose cases the schema may accept: then the server must not refuse them as malformed. */
const VALID_FORMS = new Set(["numeric string", "span: end and duration agree", "span: start alone"]);
const POLLUTION_VALUES: unknown[] = [
  { polluted: true, isAdmin: true },
  { prototype: { polluted: true } },
  { toString: "polluted" },
  "polluted",
  null,
];

interface Leaf {
  readonly path: string;
  readonly value: unknown;
}

function leaves(value: unknown, prefix = ""): Leaf[] {
  if (Array.isArray(value))
    return [{ path: prefix, value }, ...value.flatMap((v, i) => leaves(v, join(prefix, String(i))))];
  if (value !== null && typeof value === "object") {
    const out: Leaf[] = prefix ? [{ path: prefix, value }] : [];
    for (const [k, v] of Object.entries(value)) out.push(...leaves(v, join(prefix, k)));
    return out;
  }
  return [{ path: prefix, value }];
}

const join = (a: string, b: string) => (a ? `${a}.${b}` : b);

function kindOf(v: unknown): string {
  return Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
}

function get(obj: unknown, path: string): unknown {
  let node: any = obj;
  for (const k of path.split(".")) node = node?.[k];
  return node;
}

function withoutPath(base: Record<string, unknown>, path: string): Record<string, unknown> {
  const copy = structuredClone(base);
  const keys = path.split(".");
  const parent: any = keys.length > 1 ? get(copy, keys.slice(0, -1).join(".")) : copy;
  if (Array.isArray(parent)) parent.splice(Number(keys[keys.length - 1]), 1);
  else if (parent) delete parent[keys[keys.length - 1]!];
  return copy;
}

/** Field names a nested object at `path` accepts (for generating keys it does not). */
function knownKeysAt(path: string): string[] {
  const last = path.split(".").pop() ?? "";
  if (last === "window" || last === "alternatives_window") return ["start", "end"];
  if (last === "working_hours") return ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  return ["start", "end", "reason"];
}

function arrayOfSize(sample: unknown, n: number): unknown[] {
  if (typeof sample === "string" && sample.includes("@"))
    return Array.from({ length: n }, (_, i) => `u${i}@example.com`);
  return Array.from({ length: n }, () => structuredClone(sample));
}

const DEEP = (() => {
  let v: unknown = "x";
  for (let i = 0; i < 2000; i++) v = [v];
  return v;
})();

/** One corruption of `base` per case, over every field of the tool. */
export function hostileArbitrary(
  tool: ToolDefinition,
  base: Record<string, unknown>,
  transport: "rest" | "mcp",
): fc.Arbitrary<HostileCase> {
  const forQuery = transport === "rest" && readsQuery(tool.rest);
  const inPath = transport === "rest" ? pathParams(tool.rest.path) : [];
  const all = leaves(base);
  const props = propsOf(tool, { includePathParams: true });
  const baseKeys = new Set(Object.keys(base));
  // Top-level fields the base leaves out are corrupted too (as the type the schema declares).
  const fields: Leaf[] = [
    ...all,
    ...props
      .filter((p) => !baseKeys.has(p.name))
      .map((p) => ({ path: p.name, value: p.kind === "string" ? "" : p.kind === "integer" ? 1 : undefined })),
  ];
  const strings = fields.filter((f) => typeof f.value === "string");
  const numbers = fields.filter((f) => typeof f.value === "number");
  const dates = strings.filter((f) => Instant.safeParse(f.value).success);
  const arrays = all.filter((f) => Array.isArray(f.value) && (f.value as unknown[]).length > 0);
  const objects = ["", ...all.filter((f) => kindOf(f.value) === "object").map((f) => f.path)];
  const kindAt = (f: Leaf) => props.find((p) => p.name === f.path)?.kind ?? kindOf(f.value);
  // Query strings and path segments travel in the request line, which Node caps at 16 KiB.
  const capped = hugeString.map((s) => {
    const ch = String.fromCodePoint(s.codePointAt(0) ?? 120);
    return ch.repeat(Math.floor(6_000 / encodeURIComponent(ch).length));
  });
  const options: fc.Arbitrary<HostileCase>[] = [
    fc.constantFrom(...objects).chain((container) =>
      fc
        .tuple(
          unknownKey([...knownKeysAt(container), ...(container ? [] : props.map((p) => p.name))]),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([k, v]) => {
          const args = structuredClone(base);
          const target = (container ? get(args, container) : args) as Record<string, unknown>;
          setOwn(target, k, v);
          return { category: "unknown field", path: join(container, k), args };
        }),
    ),
    fc.constantFrom(...objects).chain((container) =>
      fc
        .tuple(fc.constantFrom(...OBJECT_PROTOTYPE_NAMES, "prototype"), fc.constantFrom(...POLLUTION_VALUES))
        .map(([k, v]) => {
          const args = structuredClone(base);
          const target = (container ? get(args, container) : args) as Record<string, unknown>;
          setOwn(target, k, structuredClone(v));
          return { category: "prototype key", path: join(container, k), args };
        }),
    ),
  ];
  // Lone surrogates in a key: JSON carries them as escapes, UTF-8 cannot (a query string's name would
  // reach the server as U+FFFD, another name: bodies only).
  if (!forQuery)
    options.push(
      fc.constantFrom(...objects).chain((container) =>
        fc
          .tuple(fc.constantFrom("x", "window", "title", "start"), fc.jsonValue({ maxDepth: 1 }))
          .chain(([k, v]) => withLoneSurrogate(k).map((key) => [key, v] as const))
          .map(([k, v]) => {
            const args = structuredClone(base);
            const target = (container ? get(args, container) : args) as Record<string, unknown>;
            setOwn(target, k, v);
            return { category: "lone surrogate in a key", path: join(container, k), args, status: 400 };
          }),
      ),
    );
  if (fields.length > 0) {
    options.push(
      fc
        .constantFrom(...fields)
        .chain((f) =>
          fc
            .oneof(wrongTypeFor(kindAt(f)), fc.constant(DEEP))
            .map((v) => ({ category: "wrong type", path: f.path, args: withPath(base, f.path, v) })),
        ),
      fc
        .constantFrom(...fields)
        .chain((f) =>
          fc
            .constantFrom(...SQL)
            .map((s) => ({ category: "sql", path: f.path, args: withPath(base, f.path, s) })),
        ),
    );
  }
  // Object.prototype names as values: of the fields that are looked up by name (the policy's classes,
  // the owner's calendars) above all, and of any string field (where most are just text).
  const lookedUp = strings.filter((f) => f.path === "meeting_class" || f.path === "calendar_type");
  if (strings.length > 0) {
    options.push(
      fc
        .tuple(
          lookedUp.length > 0
            ? fc.oneof(
                { weight: 3, arbitrary: fc.constantFrom(...lookedUp) },
                { weight: 1, arbitrary: fc.constantFrom(...strings) },
              )
            : fc.constantFrom(...strings),
          objectPrototypeName,
        )
        .map(([f, n]) => ({
          category: "prototype name",
          path: f.path,
          args: withPath(base, f.path, n),
          status: 400,
        })),
      fc.constantFrom(...strings).chain((f) =>
        withLoneSurrogate(String(f.value)).map((s) => ({
          category: "lone surrogate",
          path: f.path,
          args: withPath(base, f.path, s),
          status: 400,
        })),
      ),
    );
  }
  const present = all.filter((f) => f.path !== "");
  if (present.length > 0) {
    options.push(
      fc
        .constantFrom(...present)
        .map((f) => ({ category: "missing", path: f.path, args: withoutPath(base, f.path) })),
    );
  }
  if (strings.length > 0) {
    options.push(
      fc.constantFrom(...strings).chain((f) =>
        (forQuery || inPath.includes(f.path) ? capped : hugeString).map((s) => ({
          category: `huge string (${s.length})`,
          path: f.path,
          args: withPath(base, f.path, s),
        })),
      ),
    );
  }
  if (dates.length > 0) {
    options.push(
      fc
        .tuple(
          fc.constantFrom(...dates),
          fc.oneof(badInstant, fc.constantFrom(...YEAR_10000, ...BAD_INSTANTS)),
        )
        .map(([f, s]) => ({
          category: "bad date",
          path: f.path,
          args: withPath(base, f.path, s),
        })),
      fc.tuple(fc.constantFrom(...dates), fc.constantFrom(...EXTREME_DATES)).map(([f, s]) => ({
        category: "extreme date",
        path: f.path,
        args: withPath(base, f.path, s),
      })),
      fc.tuple(fc.constantFrom(...dates), outOfRangeInstant).map(([f, s]) => ({
        category: "out-of-range date",
        path: f.path,
        args: withPath(base, f.path, s),
        status: 400,
      })),
    );
    const pairs = [...new Set(dates.map((d) => d.path.split(".").slice(0, -1).join(".")))].filter((c) => {
      const node = (c ? get(base, c) : base) as Record<string, unknown>;
      return typeof node?.start === "string" && typeof node?.end === "string";
    });
    if (pairs.length > 0) {
      options.push(
        fc.constantFrom(...pairs).map((c) => {
          const args = structuredClone(base);
          const node = (c ? get(args, c) : args) as Record<string, unknown>;
          [node.start, node.end] = [node.end, node.start];
          return { category: "inverted span", path: join(c, "end"), args };
        }),
      );
    }
  }
  if (numbers.length > 0) {
    options.push(
      fc.tuple(fc.constantFrom(...numbers), fc.constantFrom(...BAD_NUMBERS)).map(([f, n]) => ({
        category: n < 0 ? "negative number" : "out-of-range number",
        path: f.path,
        args: withPath(base, f.path, n),
      })),
    );
  }
  // Whole numbers written as text: "30", " 30 ", "30.0" are the number (valid where it is in range);
  // "+30", "3e1", "0x1e", "30.5", "30 minutes", "" are no number at all. The schema says which (the
  // oracle), and the server must agree both ways.
  const integers = fields.filter((f) => typeof f.value === "number" && /integer$/.test(kindAt(f)));
  if (integers.length > 0) {
    options.push(
      fc.tuple(fc.constantFrom(...integers), fc.constantFrom(...NUMERIC_SPELLINGS)).map(([f, spell]) => ({
        category: "numeric string",
        path: f.path,
        args: withPath(base, f.path, spell(f.value as number)),
      })),
    );
  }
  // The forms of a span: end and duration_minutes together (valid when they agree, refused naming
  // duration_minutes when they do not), and a start alone (valid where the length is kept: reschedule
  // and preempt; elsewhere refused naming end).
  const propNames = new Set(props.map((p) => p.name));
  if (
    typeof base.start === "string" &&
    propNames.has("end") &&
    propNames.has("duration_minutes") &&
    !forQuery
  ) {
    const start = Date.parse(base.start);
    const minutes =
      typeof base.end === "string" ? (Date.parse(base.end) - start) / 60_000 : Number(base.duration_minutes);
    const end = new Date(start + minutes * 60_000).toISOString().replace(".000Z", "Z");
    options.push(
      fc.constantFrom(minutes, String(minutes)).map((d) => ({
        category: "span: end and duration agree",
        path: "duration_minutes",
        args: { ...structuredClone(base), end, duration_minutes: d },
      })),
      fc.constantFrom(minutes + 15, minutes - 5, `${minutes * 2}`).map((d) => ({
        category: "span: end and duration disagree",
        path: "duration_minutes",
        args: { ...structuredClone(base), end, duration_minutes: d },
        status: 400,
      })),
      fc.constant(null).map(() => {
        const args = structuredClone(base);
        delete args.end;
        delete args.duration_minutes;
        return { category: "span: start alone", path: "end", args };
      }),
    );
  }
  if (arrays.length > 0 && !forQuery) {
    options.push(
      fc.tuple(fc.constantFrom(...arrays), fc.constantFrom(101, 1001, 5000, 20_000)).map(([f, n]) => ({
        category: `huge array (${n})`,
        path: f.path,
        args: withPath(base, f.path, arrayOfSize((f.value as unknown[])[0], n)),
      })),
    );
  }
  return fc.oneof(...options);
}

// ---- the oracle: what the tool's schema says of exactly what the transport will hand it -------------

/**
 * reject: refused, naming the field. not-utf8: refused as a URL whose bytes are not UTF-8 (a lone
 * surrogate in a path segment cannot be sent as text: it goes as WTF-8 bytes, refused before any
 * field is read, like an invalid UTF-8 body: 400 bad_request saying UTF-8).
 */
type Expectation = "reject" | "not-utf8" | "may-pass" | "no-route";

export function expectationFor(
  tool: ToolDefinition,
  args: Record<string, unknown>,
  transport: "rest" | "mcp",
): Expectation {
  if (transport === "mcp") return judge(tool, JSON.parse(JSON.stringify(args)));
  const { url, init } = restRequest("http://127.0.0.1", undefined, tool.name, args);
  const u = new URL(url);
  const names = pathParams(tool.rest.path);
  const pattern = new RegExp(`^${tool.rest.path.replace(/\{[a-z_]+\}/g, "([^/]+)")}$`);
  const m = pattern.exec(u.pathname);
  if (!m) return "no-route";
  const values: Record<string, string> = {};
  try {
    names.forEach((n, i) => {
      values[n] = decodeURIComponent(m[i + 1]!);
    });
  } catch {
    return "not-utf8";
  }
  let source: Record<string, unknown>;
  if (readsQuery(tool.rest)) {
    const queries: Record<string, string[]> = Object.create(null);
    for (const [k, v] of u.searchParams) {
      if (!Object.hasOwn(queries, k)) queries[k] = [];
      queries[k]!.push(v);
    }
    // The route's own names for nested fields (start for window.start) first, as the server reads them.
    source = queryCoercer(tool.input)(aliased(queries, tool.rest.query));
  } else {
    source = JSON.parse(String(init.body));
  }
  try {
    return judge(tool, withFixed(withPathParams(source, names, values), tool, tool.rest));
  } catch (err) {
    if (err instanceof OpenavailError) return "reject";
    throw err;
  }
}

/**
 * What the service must do with `input`, exactly as the tool receives it: refuse what the service
 * refuses beyond the schema (issue 14), else what the tool's schema says.
 */
function judge(tool: ToolDefinition, input: Record<string, unknown>): Expectation {
  return serviceRefusal(input) !== undefined || !tool.input.safeParse(input).success ? "reject" : "may-pass";
}

/**
 * Why the service refuses `input` whatever its schema says, or undefined: a lone surrogate in any
 * string or key (not valid text, and SQLite would store U+FFFD); an Object.prototype name as
 * meeting_class or calendar_type (looked up by name: "constructor" fits the names' pattern but is
 * not an own class or type); a start or end written as an instant outside 1970..9999.
 */
export function serviceRefusal(input: unknown): string | undefined {
  // Iterative: a wrong-type case nests arrays 2,000 deep.
  const stack: Leaf[] = [{ path: "", value: input }];
  while (stack.length > 0) {
    const { path, value } = stack.pop()!;
    const key = path.split(".").pop() ?? "";
    if (hasLoneSurrogate(path)) return `lone surrogate in the key ${JSON.stringify(path)}`;
    if (typeof value === "string" && hasLoneSurrogate(value)) return `lone surrogate at ${path}`;
    if ((path === "meeting_class" || path === "calendar_type") && isObjectPrototypeName(value))
      return `${path} ${JSON.stringify(value)}`;
    if ((key === "start" || key === "end") && isOutOfRangeInstant(value))
      return `${path} ${String(value)} outside 1970..9999`;
    if (value !== null && typeof value === "object")
      for (const [k, v] of Object.entries(value)) stack.push({ path: join(path, k), value: v });
  }
  return undefined;
}

/** The invariant a case breaks when what must be refused is not. */
function refusedInvariant(c: HostileCase): string {
  if (c.category === "prototype name") return "prototype-name-refused";
  if (c.category === "out-of-range date") return "instant-range-refused";
  if (c.category.startsWith("lone surrogate")) return "lone-surrogate-refused";
  return "hostile-refused";
}

/** Whether an error names the corrupted field (or the object holding it), in details or message. */
export function namesField(outcome: Outcome, path: string): boolean {
  if (!path) return true;
  const segments = path.split(".");
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join("."));
  // A bound of a range may be refused as the other bound (e.g. a range longer than 90 days: "end").
  const last = segments[segments.length - 1];
  // A start whose span runs past 9999-12-31 may be refused as the duration that carries it there.
  if (last === "start" || last === "end") {
    candidates.push([...segments.slice(0, -1), last === "start" ? "end" : "start"].join("."));
    candidates.push([...segments.slice(0, -1), "duration_minutes"].join("."));
  }
  const match = (f: string) =>
    f !== "" &&
    f
      .split(", ")
      .some(
        (one) =>
          candidates.includes(one) || one.startsWith(`${path}.`) || one === segments[segments.length - 1],
      );
  if (outcome.error?.details?.some((d) => match(d.field))) return true;
  return candidates.some((c) => outcome.error?.message.includes(c) ?? false);
}

// ---- the scenario ----------------------------------------------------------------------------------

interface Bases {
  readonly [tool: string]: Record<string, unknown>;
}

export async function hostileScenario(o: HostileOptions): Promise<ScenarioResult> {
  const name = "hostile";
  const started = Date.now();
  const say = o.progress ?? (() => {});
  const fixture = await buildFixture({ transports: [], seed: o.seed });
  const server = await startInProcess(fixture.dbPath, { backgroundJobs: false });
  const sqlite = server.app.ledger.sqlite;
  const db = server.app.ledger.db;
  const log = new CallLog(name);
  // One violation per invariant, with how often it happened and the first few cases.
  const found = new Map<string, { count: number; examples: string[] }>();
  const fail = (invariant: string, detail: string) => {
    const f = found.get(invariant) ?? { count: 0, examples: [] };
    f.count++;
    if (f.examples.length < 5) f.examples.push(detail);
    found.set(invariant, f);
  };
  const byCategory: Record<string, number> = {};
  let tried = 0;
  const drivers: Driver[] = [];
  let stdio: (Driver & { session: Session }) | undefined;
  const protoNames = Object.getOwnPropertyNames(Object.prototype).sort().join();
  const prototypeClean = () =>
    Object.getOwnPropertyNames(Object.prototype).sort().join() === protoNames &&
    ({} as any).polluted === undefined &&
    ({} as any).isAdmin === undefined &&
    typeof ({} as any).toString === "function";
  try {
    // The fuzzing agent may do everything on every owner; a second agent owns the booking to preempt.
    const now = Date.now();
    const fuzzer = await createAgent(
      db,
      { name: "fuzzer", defaultClass: "interview", priority: 5, scopes: [...ALL_SCOPES], owners: ["*"] },
      now,
    );
    const fuzzerKey = (await createApiKey(db, fuzzer.id, now)).key;
    const victim = await createAgent(
      db,
      { name: "victim", defaultClass: "focus_time", priority: 0, scopes: [...ALL_SCOPES], owners: ["*"] },
      now,
    );
    const victimKey = (await createApiKey(db, victim.id, now)).key;
    const url = () => server.url;
    const rest = restDriver(url, fuzzerKey);
    const mcp = mcpHttpDriver(url, fuzzerKey);
    drivers.push(rest, mcp);
    const alpha = fixture.owners[0]!;
    const day = alpha.days[0]!;
    const at = (h: number, m = 0) =>
      new Date(day.start + (h - 8) * 3_600_000 + m * 60_000).toISOString().replace(".000Z", "Z");
    const setup = async (driver: Driver, tool: string, args: Record<string, unknown>) => {
      const out = await driver.call(tool, args);
      if (out.kind !== "ok" || (out.body?.verdict && out.body.verdict !== "Accept")) {
        throw new Error(`hostile set-up ${tool} failed: ${JSON.stringify(out).slice(0, 300)}`);
      }
      return out.body!;
    };
    const own = await setup(rest, "create_booking", {
      owner_email: alpha.email,
      start: at(9),
      duration_minutes: 30,
      title: "Own",
    });
    const held = await setup(rest, "create_hold", {
      owner_email: alpha.email,
      start: at(9, 45),
      duration_minutes: 30,
      ttl_seconds: 3600,
    });
    const prey = await setup(restDriver(url, victimKey), "create_booking", {
      owner_email: alpha.email,
      start: at(12),
      duration_minutes: 30,
      title: "Prey",
    });
    // Its own booking to move: cancel_booking's cases (which run first) cancel `own`.
    const movable = await setup(rest, "create_booking", {
      owner_email: alpha.email,
      start: at(10, 30),
      duration_minutes: 30,
      title: "Movable",
    });
    const window = { start: at(8), end: at(18) };
    const bases: Bases = {
      check_availability: {
        owner_email: alpha.email,
        duration_minutes: 30,
        window,
        hold: false,
        max_slots: 3,
        granularity_minutes: 15,
      },
      create_hold: {
        owner_email: alpha.email,
        start: at(14),
        duration_minutes: 30,
        ttl_seconds: 3600,
        alternatives_window: window,
        meeting_class: "interview",
      },
      release_hold: { hold_id: held.hold.hold_id },
      list_holds: { owner_email: alpha.email },
      create_booking: {
        owner_email: alpha.email,
        start: at(15),
        end: at(15, 30),
        title: "Fuzz",
        description: "Agenda",
        attendees: ["a@example.com", { email: "b@example.com", name: "Bea", time_zone: "UTC" }],
        calendar_type: "work",
      },
      // A dry run: every case the schema accepts is answered with the verdict and must write nothing
      // but its decision row (and "missing at dry_run" really preempts, once).
      preempt: {
        booking_id: prey.booking.booking_id,
        title: "Board",
        meeting_class: "exec_meeting",
        start: at(12),
        end: at(12, 30),
        dry_run: true,
      },
      cancel_booking: { booking_id: own.booking.booking_id, reason: "moved" },
      get_booking: { booking_id: own.booking.booking_id },
      reschedule_booking: {
        booking_id: movable.booking.booking_id,
        start: at(16),
        duration_minutes: 30,
        alternatives_window: window,
        dry_run: true,
      },
      list_bookings: { owner_email: alpha.email, status: "confirmed", window, limit: 10 },
      get_free_busy: { owner_email: alpha.email, window },
      find_common_slots: {
        owner_emails: [alpha.email, fixture.owners[1]!.email],
        duration_minutes: 30,
        window,
        max_slots: 3,
      },
      set_availability_rules: {
        calendar_id: alpha.calendars.work,
        timezone: "UTC",
        buffer_before_minutes: 0,
        working_hours: {
          mon: { start: "00:00", end: "24:00" },
          tue: { start: "00:00", end: "24:00" },
          wed: { start: "00:00", end: "24:00" },
          thu: { start: "00:00", end: "24:00" },
          fri: { start: "00:00", end: "24:00" },
        },
        max_bookings_per_day: 100,
        hard_blocks: [{ start: at(17), end: at(17, 30), reason: "gym" }],
      },
      get_availability_rules: { calendar_id: alpha.calendars.work },
      delete_availability_rules: { calendar_id: alpha.calendars.personal },
      get_notifications: { limit: 10 },
      whoami: {},
      manage_webhooks: { action: "create", url: "https://hooks.example.com/openavail" },
    };
    const missing = TOOLS.filter((t) => !bases[t.name]);
    if (missing.length > 0)
      fail("hostile-coverage", `no base input for ${missing.map((t) => t.name).join(", ")}`);

    // The input language spoken on purpose (language.ts), before anything is generated.
    await languageChecks({
      sqlite,
      log,
      fuzzer: { id: fuzzer.id, rest, mcp },
      victim: { id: victim.id, rest: restDriver(url, victimKey) },
      owners: fixture.owners,
      fail,
      tried: (category) => {
        tried++;
        byCategory[category] = (byCategory[category] ?? 0) + 1;
      },
      fingerprint: () => ledgerHash(sqlite),
    });
    say(`hostile: the input language spoken on purpose (${tried} cases)`);

    let baseline = ledgerHash(sqlite);
    const send = async (driver: Driver, transport: "rest" | "mcp", tool: ToolDefinition, c: HostileCase) => {
      const expect = expectationFor(tool, c.args, transport);
      // A dry run (as the tool will read these arguments) must write nothing but its decision row.
      const dryBefore = isDryRun(tool.name, JSON.parse(JSON.stringify(c.args)))
        ? { rows: scheduleRows(sqlite), seq: maxDecisionSeq(sqlite) }
        : undefined;
      const beforeSchema = schemaHash(sqlite);
      const beforeCounts = rowCounts(sqlite);
      const out = await log.call(fuzzer.id, driver, tool.name, c.args, { timeoutMs: 30_000 });
      tried++;
      byCategory[c.category.replace(/ \(\d+\)$/, "")] =
        (byCategory[c.category.replace(/ \(\d+\)$/, "")] ?? 0) + 1;
      const label = `${driver.transport} ${tool.name} ${c.category} at ${c.path || "(root)"}`;
      if (!prototypeClean())
        fail("prototype-unpolluted", `${label}: Object.prototype changed in the server process`);
      if (out.kind === "lost" || out.kind === "refused")
        fail("no-crash", `${label}: no answer (${out.reason})`);
      if (out.kind === "ok") {
        if (expect === "reject" || expect === "not-utf8") {
          fail(
            transport === "mcp" && c.path === "__proto__"
              ? "mcp-refuses-prototype-keys"
              : refusedInvariant(c),
            `${label}: ${serviceRefusal(c.args) ?? "the schema refuses it"}: ${JSON.stringify(c.args).slice(0, 200)}, but the call succeeded (${JSON.stringify(out.body).slice(0, 200)})`,
          );
        }
        if (dryBefore) {
          const wrote = dryRunWrites(sqlite, dryBefore, tool.name);
          if (wrote) fail("dry-run-writes-nothing", `${label}: ${wrote}`);
        }
        if (schemaHash(sqlite) !== beforeSchema) fail("schema-intact", `${label}: sqlite_master changed`);
        const after = rowCounts(sqlite);
        for (const [t, n] of Object.entries(beforeCounts))
          if ((after[t] ?? 0) < n) fail("no-rows-lost", `${label}: ${t} went from ${n} to ${after[t]} rows`);
        const sent = get(c.args, c.path);
        if (
          (c.category === "sql" || c.category === "prototype name") &&
          c.path === "title" &&
          out.body?.booking &&
          typeof sent === "string"
        ) {
          if (out.body.booking.title !== sent.trim())
            fail("literal-storage", `${label}: title came back as ${JSON.stringify(out.body.booking.title)}`);
          const row = sqlite
            .prepare("SELECT title FROM bookings WHERE id = ?")
            .get(out.body.booking.booking_id) as { title: string } | undefined;
          if (row?.title !== sent.trim())
            fail("literal-storage", `${label}: stored title ${JSON.stringify(row?.title)}`);
        }
        baseline = ledgerHash(sqlite);
        return;
      }
      if (out.kind === "error") {
        const status = out.status ?? 0;
        if (status < 400 || status >= 500) return; // counted by the log as no-internal-error
        const now = ledgerHash(sqlite);
        if (now !== baseline) {
          fail("rejection-writes-nothing", `${label}: ${out.error?.error} changed the database`);
          baseline = now;
        }
        const whole =
          status === 413 || status === 415 || status === 431 || status === 414 || expect === "no-route";
        if (expect === "may-pass" && VALID_FORMS.has(c.category) && out.error?.error === "bad_request")
          fail(
            "valid-form-accepted",
            `${label}: the schema takes ${JSON.stringify(get(c.args, c.path))}, the server refused it: ${JSON.stringify(out.error).slice(0, 300)}`,
          );
        if (
          expect === "not-utf8" &&
          (status !== 400 || out.error?.error !== "bad_request" || !/UTF-8/.test(out.error.message))
        )
          fail(
            "url-not-utf8-refused",
            `${label}: wanted 400 bad_request saying UTF-8, got ${status} ${JSON.stringify(out.error).slice(0, 300)}`,
          );
        if (expect === "reject" && c.status !== undefined && status !== c.status) {
          fail(
            `${refusedInvariant(c)}-with-${c.status}`,
            `${label}: wanted ${c.status} naming ${c.path}, got ${status} ${JSON.stringify(out.error).slice(0, 300)}`,
          );
        }
        if (expect === "reject" && !whole && !namesField(out, c.path)) {
          fail(
            transport === "mcp" && c.path === "__proto__"
              ? "mcp-refuses-prototype-keys"
              : "rejection-names-field",
            `${label}: ${status} ${JSON.stringify(out.error).slice(0, 300)}`,
          );
        }
        return;
      }
      if (out.kind === "protocol" && (out.status === 431 || out.status === 414)) return; // Node's own limit on the request line
    };

    for (const tool of TOOLS) {
      const base = bases[tool.name];
      if (!base) continue;
      const seed = o.seed + tool.name.length * 7919;
      const restCases = fc.sample(hostileArbitrary(tool, base, "rest"), { numRuns: o.runsPerTool, seed });
      const mcpCases = fc.sample(hostileArbitrary(tool, base, "mcp"), {
        numRuns: o.runsPerTool,
        seed: seed + 1,
      });
      for (const [i, c] of restCases.entries()) {
        await send(rest, "rest", tool, c);
        if (i % 25 === 24) await healthz(server.url, `${tool.name} (REST)`, fail);
      }
      for (const [i, c] of mcpCases.entries()) {
        await send(mcp, "mcp", tool, c);
        if (i % 25 === 24) await healthz(server.url, `${tool.name} (MCP)`, fail);
      }
    }
    say(`hostile: ${tried} generated inputs over REST and MCP HTTP`);

    // 10 MB strings: REST and /mcp refuse past their bounds (413), and still answer afterwards.
    const ten = "x".repeat(10_000_000);
    const bookingTool = TOOLS.find((t) => t.name === "create_booking")!;
    const rulesTool = TOOLS.find((t) => t.name === "set_availability_rules")!;
    for (let i = 0; i < o.hugeBodies; i++) {
      const tool = i % 2 === 0 ? bookingTool : rulesTool;
      const args =
        i % 2 === 0
          ? withPath(bases.create_booking!, "title", ten)
          : withPath(bases.set_availability_rules!, "hard_blocks.0.reason", ten);
      for (const [driver, transport] of [
        [rest, "rest"],
        [mcp, "mcp"],
      ] as const) {
        const before = ledgerHash(sqlite);
        const out = await log.call(fuzzer.id, driver, tool.name, args, { timeoutMs: 60_000 });
        tried++;
        byCategory["10 MB string"] = (byCategory["10 MB string"] ?? 0) + 1;
        if (out.kind !== "error" || out.status !== 413)
          fail(
            "huge-body-413",
            `${transport} ${tool.name} with 10 MB: ${out.kind} ${out.status} ${JSON.stringify(out.error ?? out.reason).slice(0, 200)}`,
          );
        if (ledgerHash(sqlite) !== before)
          fail("rejection-writes-nothing", `${transport} 10 MB ${tool.name} changed the database`);
        await healthz(server.url, `after a 10 MB ${transport} body`, fail);
      }
    }

    // The REST bound itself: just under 1 MiB is validated (400 naming title), just over is 413, and
    // a 10 MB body streamed without Content-Length is cut off with 413 as well.
    if (o.hugeBodies > 0) {
      const boundary: [string, RequestInit, number][] = [];
      const bodyOf = (title: string) => JSON.stringify({ ...bases.create_booking, title });
      const pad = 1024 * 1024 - bodyOf("").length;
      boundary.push(["a body of exactly 1 MiB", { body: bodyOf("x".repeat(pad)) }, 400]);
      boundary.push(["a body of 1 MiB + 1 byte", { body: bodyOf("x".repeat(pad + 1)) }, 413]);
      const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(new TextEncoder().encode('{"owner_email":"a@b.co","title":"'));
          if (sent >= 10_000_000) return controller.close();
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      boundary.push([
        "10 MB streamed without Content-Length",
        { body: stream, duplex: "half" } as RequestInit,
        413,
      ]);
      for (const [label, init, want] of boundary) {
        const before = ledgerHash(sqlite);
        const out = await sendRest(
          `${server.url}/v1/bookings`,
          {
            method: "POST",
            headers: { authorization: `Bearer ${fuzzerKey}`, "content-type": "application/json" },
            ...init,
          },
          60_000,
        );
        tried++;
        byCategory["body-size bound"] = (byCategory["body-size bound"] ?? 0) + 1;
        if (out.kind !== "error" || out.status !== want || (want === 400 && !namesField(out, "title"))) {
          fail(
            "rest-body-bound",
            `${label}: wanted ${want}, got ${out.kind} ${out.status} ${JSON.stringify(out.error ?? out.reason).slice(0, 200)}`,
          );
        }
        if (ledgerHash(sqlite) !== before) fail("rejection-writes-nothing", `${label} changed the database`);
      }
      await healthz(server.url, "after the body-size bounds", fail);
    }

    // Whole requests: invalid UTF-8 bodies, hostile batches, chunked bodies past the bound, admin inputs.
    await hostileRequests({
      url: server.url,
      key: fuzzerKey,
      agentId: fuzzer.id,
      adminToken: (await createAdminToken(db, Date.now())).token,
      ownerEmail: alpha.email,
      bases,
      runs: Math.max(6, Math.round(o.runsPerTool / 2)),
      hugeBodies: o.hugeBodies,
      seed: o.seed,
      fingerprint: () => ledgerHash(sqlite),
      fail,
      tried: (category) => {
        tried++;
        byCategory[category] = (byCategory[category] ?? 0) + 1;
      },
      healthz: (when) => healthz(server.url, when, fail),
    });
    baseline = ledgerHash(sqlite);
    say(`hostile: whole requests done (${tried} inputs in all)`);

    // MCP over stdio: the same generators through an `openavail mcp` process on the same file.
    if (o.stdioRunsPerTool > 0 || o.oversizedStdio) {
      stdio = await stdioDriver(o.entry.args("mcp"), fuzzerKey, fixture.dbPath);
      drivers.push(stdio);
      const probe = async (when: string) => {
        const who = await stdio!.call("whoami", {}, { timeoutMs: 10_000 });
        const check = await stdio!.call("check_availability", bases.check_availability!, {
          timeoutMs: 10_000,
        });
        const ok =
          who.kind === "ok" &&
          who.body?.agent_id === fuzzer.id &&
          !("polluted" in (who.body ?? {})) &&
          !("isAdmin" in (who.body ?? {})) &&
          check.kind === "ok" &&
          typeof check.body?.verdict === "string";
        if (!ok)
          fail(
            "stdio-still-answers",
            `${when}: whoami ${who.kind} ${who.reason ?? ""}, check_availability ${check.kind} ${check.reason ?? ""}`,
          );
        // The probe's check_availability appends a decision: the next rejection compares against that.
        baseline = ledgerHash(sqlite);
        return ok;
      };
      for (const tool of TOOLS) {
        const base = bases[tool.name];
        if (!base || o.stdioRunsPerTool === 0) continue;
        const cases = fc.sample(hostileArbitrary(tool, base, "mcp"), {
          numRuns: o.stdioRunsPerTool,
          seed: o.seed + 99 + tool.name.length,
        });
        for (const c of cases) await send(stdio, "mcp", tool, c);
        await probe(`after ${tool.name} over stdio`);
      }
      // Invalid UTF-8 on stdin: each line answered with a JSON-RPC parse error (-32700, id null), nothing
      // run, and the session goes on. The SDK client cannot parse an id-null answer, so stdout is read
      // beside it; a whoami after the lines is answered after theirs (one stream, in order).
      if (o.stdioRunsPerTool > 0) {
        const child = (stdio.session.client.transport as unknown as { _process?: ChildProcess })._process;
        const lines = fc.sample(
          fc.constantFrom(...TOOLS.filter((t) => bases[t.name])).chain((t) =>
            invalidUtf8In(
              JSON.stringify({
                jsonrpc: "2.0",
                id: 9_000,
                method: "tools/call",
                params: { name: t.name, arguments: bases[t.name] },
              }),
            ),
          ),
          { numRuns: Math.max(3, Math.round(o.stdioRunsPerTool / 2)), seed: o.seed + 98 },
        );
        if (!child?.stdin || !child.stdout)
          fail("stdio-invalid-utf8", "no handle on the child's stdin/stdout");
        else {
          let seen = "";
          const onData = (b: Buffer) => {
            seen += b.toString("utf8");
          };
          child.stdout.on("data", onData);
          const before = ledgerHash(sqlite);
          for (const l of lines) child.stdin.write(Buffer.concat([l.bytes, Buffer.from("\n")]));
          const who = await stdio.call("whoami", {}, { timeoutMs: 10_000 });
          child.stdout.off("data", onData);
          tried += lines.length;
          byCategory["invalid UTF-8 stdin line"] = lines.length;
          const parseErrors = seen
            .split("\n")
            .filter((l) => /"code":-32700/.test(l) && /"id":null/.test(l) && /UTF-8/.test(l)).length;
          if (parseErrors !== lines.length || who.kind !== "ok")
            fail(
              "stdio-invalid-utf8",
              `${lines.length} invalid UTF-8 lines on stdin: ${parseErrors} parse errors (-32700, id null, UTF-8) came back; the next whoami: ${who.kind} ${who.reason ?? ""}; stdout: ${seen.slice(0, 300)}`,
            );
          if (ledgerHash(sqlite) !== before)
            fail("rejection-writes-nothing", "invalid UTF-8 lines on stdin changed the database");
        }
        await probe("after invalid UTF-8 on stdin");
      }
      for (let i = 0; i < Math.min(1, o.hugeBodies); i++) {
        const before = ledgerHash(sqlite);
        const out = await log.call(
          fuzzer.id,
          stdio,
          "create_booking",
          withPath(bases.create_booking!, "title", ten),
          { timeoutMs: 60_000 },
        );
        tried++;
        byCategory["10 MB string"] = (byCategory["10 MB string"] ?? 0) + 1;
        if (out.kind !== "error" || out.status !== 400 || !namesField(out, "title")) {
          fail(
            "stdio-10mb-refused",
            `10 MB title over stdio: ${out.kind} ${out.status} ${JSON.stringify(out.error ?? out.reason).slice(0, 200)}`,
          );
        }
        if (ledgerHash(sqlite) !== before)
          fail("rejection-writes-nothing", "10 MB title over stdio changed the database");
        await probe("after a 10 MB title over stdio");
      }
      if (o.oversizedStdio) {
        const out = await stdio.call(
          "whoami",
          { padding: "x".repeat(11 * 1024 * 1024) },
          { timeoutMs: 15_000 },
        );
        tried++;
        byCategory["11 MiB stdio message"] = 1;
        await sleep(200);
        const who = await stdio.call("whoami", {}, { timeoutMs: 5_000 });
        if (who.kind !== "ok") {
          fail(
            "stdio-survives-oversized-message",
            `one 11 MiB stdin message (${out.kind}: ${out.reason ?? out.error?.message ?? ""}) ended the \`openavail mcp\` session: the next whoami got ${who.kind} (${who.reason}); see src/transports/mcp/stdio.ts`,
          );
        }
      }
      say(`hostile: stdio done (${tried} inputs in all)`);
    }
    // No Object.prototype name was stored where names are looked up (a class, a calendar type, a default).
    const stored = sqlite
      .prepare(
        `SELECT 'holds.meeting_class' AS col, meeting_class AS v FROM holds
         UNION ALL SELECT 'bookings.meeting_class', meeting_class FROM bookings
         UNION ALL SELECT 'calendars.calendar_type', calendar_type FROM calendars
         UNION ALL SELECT 'agents.default_class', default_class FROM agents
         UNION ALL SELECT 'owners.default_calendar_type', default_calendar_type FROM owners`,
      )
      .all() as { col: string; v: string | null }[];
    for (const { col, v } of stored)
      if (isObjectPrototypeName(v)) fail("prototype-name-never-stored", `${col} holds ${JSON.stringify(v)}`);
    await healthz(server.url, "at the end", fail);
  } finally {
    await Promise.all(drivers.map((d) => d.close().catch(() => undefined)));
    await server.close();
    fixture.remove();
  }
  return scenarioResult(name, started, log.records, {
    hostileInputs: tried,
    checks: tried,
    violations: [
      ...log.violations,
      ...[...found].map(
        ([invariant, f]): Violation => ({
          scenario: name,
          invariant,
          count: f.count,
          detail: `${f.count} case(s); e.g. ${f.examples[0]}`,
          examples: f.examples,
        }),
      ),
    ],
    extra: { categories: byCategory },
  });
}

async function healthz(
  base: string,
  when: string,
  fail: (invariant: string, detail: string) => void,
): Promise<void> {
  const out = await sendRest(`${base}/healthz`, { method: "GET" }, 10_000);
  if (out.kind !== "ok" || out.body?.status !== "ok")
    fail("healthz", `${when}: /healthz ${out.kind} ${out.status}`);
}
