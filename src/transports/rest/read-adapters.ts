// Chronary-style read routes: thin adapters that map query parameters onto a registry tool's input.
// Each adapter is a row of READ_ADAPTERS (which parameter fills which input field, what is fixed);
// one generic handler runs every row, and the tool's schema does the validation.
import type { Hono } from "hono";
import type { z } from "zod";
import { CheckAvailabilityOutput, FindCommonSlotsOutput, GetFreeBusyOutput } from "../../../schemas/tools.js";
import { executeTool, findTool } from "../../../tools/index.js";
import type { App } from "../../compose.js";
import type { Caller } from "../../service/caller.js";
import { OpenavailError } from "../../service/errors.js";
import { visibleCalendar } from "../../service/lookups.js";
import { mcpResource } from "../http/oauth-routes.js";
import { authenticateAgent } from "./agent-auth.js";
import { callerHeaders, jsonBody } from "./respond.js";
import { honoPath, type RouteTable } from "./route-table.js";

/** One query parameter of an adapter and where its value goes in the tool's input. */
export interface AdapterParam {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  /** JSON Schema of the parameter as sent (for the OpenAPI document). */
  readonly schema: Readonly<Record<string, unknown>>;
  /** Dotted input fields the parsed value is written to. Empty: the parameter is read by `also`. */
  readonly into: readonly string[];
  readonly parse: (raw: string, name: string) => unknown;
  readonly default?: string;
}

/** A second tool whose result is merged into the response when a boolean flag parameter is true. */
export interface AdapterExtra {
  readonly flag: string;
  readonly tool: string;
  readonly input: (primary: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  readonly pick: readonly string[];
}

export interface ReadAdapter {
  readonly operationId: string;
  readonly path: string;
  readonly summary: string;
  readonly description: string;
  readonly tool: string;
  readonly fixed: Readonly<Record<string, unknown>>;
  readonly params: readonly AdapterParam[];
  /** Path parameter -> the input fields it stands for (e.g. a calendar id -> owner and calendar type). */
  readonly pathParam?: {
    readonly name: string;
    readonly description: string;
    readonly resolve: (app: App, caller: Caller, value: string) => Promise<Record<string, unknown>>;
  };
  readonly extra?: AdapterExtra;
  /** The response body's schema (for the OpenAPI document). */
  readonly output: z.ZodType;
}

// ---- value parsers ------------------------------------------------------------------------------

const SLOT_DURATIONS: Readonly<Record<string, number>> = {
  "15m": 15,
  "30m": 30,
  "45m": 45,
  "1h": 60,
  "2h": 120,
};

const text = (raw: string) => raw;
const list = (raw: string) =>
  raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
const integer = (raw: string) => (/^-?\d+$/.test(raw) ? Number(raw) : raw);
function slotMinutes(raw: string, name: string): number {
  const minutes = Object.hasOwn(SLOT_DURATIONS, raw) ? SLOT_DURATIONS[raw] : undefined;
  if (minutes === undefined) throw badParam(name, `must be one of ${Object.keys(SLOT_DURATIONS).join(", ")}`);
  return minutes;
}
function flag(raw: string, name: string): boolean {
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw badParam(name, "must be true or false");
}

/** A calendar id stands for its owner's email and its calendar type in check_availability's input. */
async function calendarTarget(
  app: App,
  caller: Caller,
  calendarId: string,
): Promise<Record<string, unknown>> {
  if (!/^cal_[0-9a-z]{1,40}$/.test(calendarId))
    throw badParam("calendar_id", "must be a calendar id like cal_...");
  // Another owner's calendar answers as a made-up id does, so calendar ids cannot be probed.
  const { calendar, owner } = await visibleCalendar(app.ledger.db, caller, calendarId);
  return { owner_email: owner.email, calendar_type: calendar.calendar_type };
}

const INSTANT = { type: "string", format: "date-time" } as const;
const windowParams = (what: string): AdapterParam[] => [
  {
    name: "start",
    description: `Start of the ${what} window (inclusive), RFC 3339.`,
    required: true,
    schema: INSTANT,
    into: ["window.start"],
    parse: text,
  },
  {
    name: "end",
    description: `End of the ${what} window (exclusive), RFC 3339; at most 90 days after start.`,
    required: true,
    schema: INSTANT,
    into: ["window.end"],
    parse: text,
  },
  {
    name: "slot_duration",
    description: "Meeting length; slots are laid back to back on this step.",
    required: false,
    schema: { type: "string", enum: Object.keys(SLOT_DURATIONS), default: "30m" },
    into: ["duration_minutes", "granularity_minutes"],
    parse: slotMinutes,
    default: "30m",
  },
  {
    name: "max_slots",
    description: "How many slots to return (1-100, default 100).",
    required: false,
    schema: { type: "integer", minimum: 1, maximum: 100, default: 100 },
    into: ["max_slots"],
    parse: integer,
    default: "100",
  },
];

export const READ_ADAPTERS: readonly ReadAdapter[] = [
  {
    operationId: "calendar_availability",
    path: "/v1/calendars/{calendar_id}/availability",
    summary: "Calendar availability",
    description:
      "Free slots of one calendar in a window, in Chronary's shape: check_availability with hold:false, so nothing is held. " +
      "With include_busy=true the owner's merged busy blocks (get_free_busy) are added as `busy`.",
    tool: "check_availability",
    fixed: { hold: false },
    params: [
      ...windowParams("search"),
      {
        name: "include_busy",
        description: "Also return the owner's busy blocks in the window (default false).",
        required: false,
        schema: { type: "boolean", default: false },
        into: [],
        parse: flag,
        default: "false",
      },
    ],
    pathParam: { name: "calendar_id", description: "The calendar id (cal_...).", resolve: calendarTarget },
    extra: {
      flag: "include_busy",
      tool: "get_free_busy",
      input: (primary) => {
        return { owner_email: primary["owner_email"], window: primary["window"] };
      },
      pick: ["busy"],
    },
    output: CheckAvailabilityOutput.extend({
      busy: GetFreeBusyOutput.shape.busy.optional().describe("Present with include_busy=true."),
    }),
  },
  {
    operationId: "common_availability",
    path: "/v1/availability",
    summary: "Common availability",
    description:
      "Slots when every listed owner is free (find_common_slots), in Chronary's shape. Nothing is held: book each owner with create_booking.",
    tool: "find_common_slots",
    fixed: {},
    params: [
      {
        name: "owners",
        description: "Comma-separated owner emails who must all be free (1-20).",
        required: true,
        schema: { type: "array", items: { type: "string", format: "email" }, minItems: 1, maxItems: 20 },
        into: ["owner_emails"],
        parse: list,
      },
      ...windowParams("search"),
    ],
    output: FindCommonSlotsOutput,
  },
];

// ---- the one handler ----------------------------------------------------------------------------

export function mountReadAdapters(
  hono: Hono,
  app: App,
  routes: RouteTable,
  adapters: readonly ReadAdapter[] = READ_ADAPTERS,
): void {
  for (const adapter of adapters) {
    const tool = findTool(adapter.tool);
    const extraTool = adapter.extra ? findTool(adapter.extra.tool) : undefined;
    if (!tool || (adapter.extra && !extraTool))
      throw new Error(`adapter ${adapter.operationId}: unknown tool`);
    routes.add("GET", adapter.path);
    hono.get(honoPath(adapter.path), async (c) => {
      const caller = await authenticateAgent(app, c.req.header("authorization"), () =>
        mcpResource(app, c.req.url),
      );
      const { input, flags } = adapterInput(adapter, c.req.queries());
      if (adapter.pathParam) {
        const value = c.req.param(adapter.pathParam.name) ?? "";
        Object.assign(input, await adapter.pathParam.resolve(app, caller, value));
      }
      const body = await run(app, adapter, adapter.tool, caller, input);
      if (adapter.extra && extraTool && flags[adapter.extra.flag] === true) {
        const more = await run(app, adapter, adapter.extra.tool, caller, adapter.extra.input(input));
        for (const key of adapter.extra.pick) body[key] = more[key];
        body["pending_notifications"] = [
          ...((body["pending_notifications"] as unknown[]) ?? []),
          ...((more["pending_notifications"] as unknown[]) ?? []),
        ];
      }
      return jsonBody(body, 200, callerHeaders(caller));
    });
  }
}

/** The tool input a query string maps to, plus the flag parameters (`into: []`) by name. */
export function adapterInput(
  adapter: ReadAdapter,
  queries: Readonly<Record<string, readonly string[]>>,
): { input: Record<string, unknown>; flags: Record<string, unknown> } {
  const known = new Set(adapter.params.map((p) => p.name));
  const unknown = Object.keys(queries).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new OpenavailError("bad_request", `Unknown query parameter ${unknown.join(", ")}.`, {
      details: unknown.map((field) => ({
        field,
        message: `unknown query parameter; use ${[...known].join(", ")}`,
      })),
    });
  }
  const input: Record<string, unknown> = structuredClone({ ...adapter.fixed });
  const flags: Record<string, unknown> = {};
  for (const param of adapter.params) {
    const values = queries[param.name];
    if (values && values.length > 1 && param.schema["type"] !== "array")
      throw badParam(param.name, "give this parameter once");
    const raw = values ? values.join(",") : param.default;
    if (raw === undefined) continue;
    const value = param.parse(raw, param.name);
    if (param.into.length === 0) flags[param.name] = value;
    for (const target of param.into) setPath(input, target, value);
  }
  return { input, flags };
}

async function run(
  app: App,
  adapter: ReadAdapter,
  toolName: string,
  caller: Caller,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  try {
    const result = await executeTool(app.service, findTool(toolName)!, caller, input);
    return JSON.parse(result.json) as Record<string, unknown>;
  } catch (err) {
    throw renameFields(err, adapter);
  }
}

/** A validation error names the tool's fields; the caller sent query parameters, so name those. */
function renameFields(err: unknown, adapter: ReadAdapter): unknown {
  if (!(err instanceof OpenavailError) || err.type !== "bad_request" || !err.details) return err;
  const paramOf = (field: string): string => {
    for (const p of adapter.params) {
      if (p.into.some((t) => field === t || field.startsWith(`${t}.`))) return p.name;
    }
    return field;
  };
  const details = err.details.map((d) => ({ field: paramOf(d.field), message: d.message }));
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
  return new OpenavailError("bad_request", `Invalid query: ${first.field}: ${first.message}${more}.`, {
    details,
  });
}

function badParam(field: string, message: string): OpenavailError {
  return new OpenavailError("bad_request", `Invalid query: ${field} ${message}.`, {
    details: [{ field, message }],
  });
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}
