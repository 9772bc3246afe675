// A tool's input schema as command-line options, and the options back as the tool's input. Generated
// from the registry's JSON Schema, like the REST routes: a field the schema gains becomes an option
// without a line here. A few fields get a person's name and form (`--owner`, `--duration 30m`,
// `--on tomorrow --between 09:00-12:00`); objects the shell cannot spell travel in `--input JSON`.
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { z } from "zod";
import type { ToolDefinition } from "../../../tools/define-tool.js";
import { pathParams } from "../../transports/rest/route-table.js";
import { UsageError } from "../commands/admin-env.js";
import { atWallTime, parseClock, parseDay, parseLength, parseWhen, rangeFrom } from "./natural-input.js";

interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly anyOf?: readonly SchemaNode[];
  readonly items?: SchemaNode;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly description?: string;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
}

/** The fields whose option is named and read for a person; the rest map `snake_case` to `--kebab-case`. */
const PERSON_FLAGS: Readonly<Record<string, { flags: string; help?: string }>> = {
  owner_email: { flags: "--owner <email>" },
  owner_emails: { flags: "--owners <emails>", help: "Owners who must all be free, comma-separated." },
  duration_minutes: { flags: "--duration <length>", help: "Meeting length: 30m, 1h, 1h30m or minutes." },
  ttl_seconds: { flags: "--ttl <length>", help: "How long the hold lasts: 5m, 300s or seconds (30 s-1 h)." },
  granularity_minutes: {
    flags: "--granularity <length>",
    help: "Slot starts every 15m (default), 30m, 1h...",
  },
  meeting_class: { flags: "--class <name>" },
  calendar_type: { flags: "--calendar <type>" },
  hold_id: { flags: "--hold <hold_id>" },
  attendees: { flags: "--attendee <email>", help: "Invite this address; repeat for more." },
  start: { flags: "--start <when>", help: 'Start: 2026-12-08T10:00:00Z, or "2026-12-08 10:00" in --tz.' },
  end: { flags: "--end <when>", help: "End (exclusive), or give --duration." },
};

/** The options a window field adds, by field: `window` is the read range, `alternatives_window` a write's. */
const WINDOW_FLAGS = {
  window: { from: "--from <when>", to: "--to <when>", key: { from: "from", to: "to" } },
  alternatives_window: {
    from: "--alternatives-from <when>",
    to: "--alternatives-to <when>",
    key: { from: "alternativesFrom", to: "alternativesTo" },
  },
} as const;

/** Boolean fields that default to true, so they get a `--no-` flag too. */
const DEFAULT_ON = new Set(["hold"]);

/** Where the wall times a command line gives are read, and the clock `tomorrow` is counted from. */
export interface InputContext {
  readonly zone: () => Promise<string>;
  readonly now: number;
}

interface ToolFields {
  readonly fields: readonly [string, SchemaNode][];
  readonly inPath: readonly string[];
}
const FIELDS = new WeakMap<ToolDefinition, ToolFields>();

/** The input schema's fields as JSON Schema nodes, and the ones the REST path carries; derived once. */
function fieldsOf(tool: ToolDefinition): ToolFields {
  let found = FIELDS.get(tool);
  if (!found) {
    const root = z.toJSONSchema(tool.input, { io: "input", unrepresentable: "any" }) as SchemaNode;
    found = { fields: Object.entries(root.properties ?? {}), inPath: pathParams(tool.rest.path) };
    FIELDS.set(tool, found);
  }
  return found;
}

/** The schema's default for a field (`replace` is false unless given), or undefined. */
export function fieldDefault(tool: ToolDefinition, field: string): unknown {
  return fieldsOf(tool).fields.find(([name]) => name === field)?.[1].default;
}

/** The path fields that are ids become positional arguments (`release hld_...`). */
export function positionalFields(tool: ToolDefinition): string[] {
  return fieldsOf(tool).inPath.filter((name) => name.endsWith("_id"));
}

/** Adds one option per input field of `tool` to `cmd` (and its positional ids as arguments). */
export function addToolOptions(cmd: Command, tool: ToolDefinition): void {
  const { fields } = fieldsOf(tool);
  const positional = new Set(positionalFields(tool));
  for (const name of positional) cmd.argument(`<${name}>`, describe(fields, name));
  for (const [name, node] of fields) {
    if (positional.has(name) || name === "idempotency_key") continue;
    if (name === "window" || name === "alternatives_window") {
      addWindowOptions(cmd, name, node);
      continue;
    }
    const person = Object.hasOwn(PERSON_FLAGS, name) ? PERSON_FLAGS[name] : undefined;
    const help = person?.help ?? node.description ?? "";
    if (name === "start") {
      cmd.option(person!.flags, help);
      addDayOptions(cmd, "--at <HH:MM>", "With --on: the start's time of day, in --tz or the owner's zone.");
      continue;
    }
    const kind = kindOf(node);
    if (kind === "boolean") {
      cmd.option(`--${kebab(name)}`, help);
      if (DEFAULT_ON.has(name)) cmd.option(`--no-${kebab(name)}`, `Do not ${kebab(name)} (on by default).`);
    } else if (name === "attendees") cmd.option(person!.flags, help, collect, []);
    else if (person) cmd.option(person.flags, help);
    else if (kind === "string" || kind === "number" || kind === "integer" || isStringList(node)) {
      const option = new Option(`--${kebab(name)} <value>`, help);
      if (node.enum) option.choices(node.enum.map(String));
      cmd.addOption(option);
    }
    // Objects and lists of objects (working_hours, hard_blocks) have no flag: --input carries them.
  }
  if (tool.writes)
    cmd.option("--idempotency-key <key>", "Retry-safe key (default: one made for this invocation).");
  cmd.option(
    "--input <json>",
    "The tool's input as a JSON object, or @file.json; options override its fields.",
  );
}

function addWindowOptions(cmd: Command, name: keyof typeof WINDOW_FLAGS, node: SchemaNode): void {
  const flags = WINDOW_FLAGS[name];
  if (name === "window") {
    addDayOptions(cmd, "--between <HH:MM-HH:MM>", "With --on: only these hours of that day.");
    cmd.option(flags.from, `Range start, instead of --on (${node.description ?? "time range"}).`);
    cmd.option(flags.to, "Range end (exclusive), with --from.");
  } else {
    cmd.option(flags.from, "Look for alternatives from here (default: the slot's local day).");
    cmd.option(flags.to, "...up to here.");
  }
}

function addDayOptions(cmd: Command, timeFlags: string, timeHelp: string): void {
  cmd.option("--on <day>", "A day: today, tomorrow, monday or 2026-12-08, in --tz or the owner's zone.");
  cmd.option(timeFlags, timeHelp);
}

/** The flag a field is given with on the command line, for error messages; the field name if none. */
export function flagOf(tool: ToolDefinition, field: string): string {
  const top = field.split(".")[0] ?? field;
  if (positionalFields(tool).includes(top)) return `<${top}>`;
  if (Object.hasOwn(PERSON_FLAGS, top)) return PERSON_FLAGS[top]!.flags.split(" ")[0]!;
  if (top === "window") return "--on/--from/--to";
  if (top === "alternatives_window") return "--alternatives-from/--alternatives-to";
  return fieldsOf(tool).fields.some(([n]) => n === top) ? `--${kebab(top)}` : field;
}

type Opts = Readonly<Record<string, unknown>>;

/** The tool input the parsed options and positional ids stand for (the idempotency key aside). */
export async function toolInput(
  tool: ToolDefinition,
  opts: Opts,
  positional: readonly string[],
  ctx: InputContext,
): Promise<Record<string, unknown>> {
  const { fields } = fieldsOf(tool);
  const input: Record<string, unknown> = opts.input !== undefined ? parseInputJson(String(opts.input)) : {};
  positionalFields(tool).forEach((name, i) => {
    input[name] = positional[i];
  });
  const zone = await zoneIfNeeded(opts, ctx);
  for (const [name, node] of fields) {
    if (name === "idempotency_key" || positionalFields(tool).includes(name)) continue;
    const value = await fieldValue(name, node, opts, zone, ctx.now);
    if (value !== undefined) input[name] = value;
  }
  return input;
}

const WALL_TIME_OPTIONS = [
  "on",
  "at",
  "between",
  "start",
  "end",
  "from",
  "to",
  "alternativesFrom",
  "alternativesTo",
];

/** The zone wall times are read in, asked of the server only when an option gives one without an offset. */
async function zoneIfNeeded(opts: Opts, ctx: InputContext): Promise<string> {
  const local = WALL_TIME_OPTIONS.some((k) => {
    const v = opts[k];
    return typeof v === "string" && !/(Z|[+-]\d{2}:\d{2})$/i.test(v.trim());
  });
  return local ? ctx.zone() : "UTC";
}

async function fieldValue(
  name: string,
  node: SchemaNode,
  opts: Opts,
  zone: string,
  now: number,
): Promise<unknown> {
  switch (name) {
    case "window":
      return rangeFrom(opts, zone, now);
    case "alternatives_window":
      return rangeFrom({ from: opts.alternativesFrom, to: opts.alternativesTo }, zone, now, {
        from: "--alternatives-from",
        to: "--alternatives-to",
      });
    case "start":
      if (opts.start !== undefined && opts.on !== undefined)
        throw new UsageError("give --start or --on with --at, not both");
      if (opts.start !== undefined) return parseWhen("--start", String(opts.start), zone, now);
      if (opts.on === undefined && opts.at === undefined) return undefined;
      return atWallTime(
        zone,
        parseDay("--on", String(opts.on ?? "today"), zone, now),
        opts.at === undefined ? 0 : parseClock("--at", String(opts.at)),
      );
    case "end":
      return opts.end === undefined ? undefined : parseWhen("--end", String(opts.end), zone, now);
    case "duration_minutes":
    case "granularity_minutes": {
      const key = name === "duration_minutes" ? "duration" : "granularity";
      return opts[key] === undefined ? undefined : parseLength(`--${key}`, String(opts[key]), "m");
    }
    case "ttl_seconds":
      return opts.ttl === undefined ? undefined : parseLength("--ttl", String(opts.ttl), "s");
    case "attendees": {
      const list = opts.attendee as string[] | undefined;
      return list && list.length > 0 ? list.map((email) => ({ email })) : undefined;
    }
  }
  const key = Object.hasOwn(PERSON_FLAGS, name)
    ? camel(PERSON_FLAGS[name]!.flags.split(" ")[0]!.slice(2))
    : camel(name);
  const value = opts[key];
  if (value === undefined) return undefined;
  if (isStringList(node))
    return String(value)
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  // Numbers travel as typed: the tool's schema takes numeric text and names the field when it is not.
  return value;
}

function parseInputJson(text: string): Record<string, unknown> {
  const source = text.startsWith("@") ? readInputFile(text.slice(1)) : text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    throw new UsageError(
      `--input is not JSON (${(err as Error).message}): write it like '{"title":"Intro"}'`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new UsageError("--input must be a JSON object");
  return { ...(value as Record<string, unknown>) };
}

function readInputFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(
      `--input @${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

function describe(fields: readonly [string, SchemaNode][], name: string): string {
  return fields.find(([n]) => n === name)?.[1].description ?? name;
}

function kindOf(node: SchemaNode): string {
  if (typeof node.type === "string") return node.type;
  if (Array.isArray(node.type)) return node.type.find((t) => t !== "null") ?? "any";
  for (const alt of node.anyOf ?? []) {
    const k = kindOf(alt);
    if (k !== "any" && k !== "null") return k;
  }
  return "any";
}

function isStringList(node: SchemaNode): boolean {
  return kindOf(node) === "array" && node.items !== undefined && kindOf(node.items) === "string";
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const kebab = (name: string) => name.replaceAll("_", "-");
const camel = (name: string) => name.replace(/[-_]([a-z])/g, (_, c: string) => c.toUpperCase());
