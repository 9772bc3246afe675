// The agent's commands: one per tool of the registry, generated like the REST routes, each sending
// its tool's REST request to --server with the agent's key. Human output by default, in the owner's
// zone; --json prints the REST body exactly; the exit status says the verdict (exit-status.ts).
import { randomUUID } from "node:crypto";
import { type Command, Option } from "commander";
import { type RestBinding, restBindings } from "../../../tools/define-tool.js";
import { findTool, type ToolDefinition } from "../../../tools/index.js";
import type { CliContext } from "../cli-context.js";
import { type AdminEnv, globals, UsageError } from "../commands/admin-env.js";
import { EXIT, EXIT_STATUS_HELP, ExitStatus, exitForVerdict } from "../exit-status.js";
import { renderHuman } from "./render-result.js";
import { type Connection, connectionFrom, type RestResponse, type RetryPolicy, send } from "./rest-client.js";
import { addToolOptions, fieldDefault, flagOf, toolInput } from "./tool-options.js";

/** Each tool's command name and the example its --help shows; the README's examples use the same forms. */
export const AGENT_COMMANDS: readonly { tool: string; name: string; example: string }[] = [
  { tool: "whoami", name: "whoami", example: "openavail whoami" },
  {
    tool: "check_availability",
    name: "slots",
    example: "openavail slots --owner demo@openavail.local --on monday --between 09:00-12:00 --duration 30m",
  },
  {
    tool: "create_hold",
    name: "hold",
    example: "openavail hold --owner demo@openavail.local --on monday --at 10:00 --duration 30m --quiet",
  },
  { tool: "release_hold", name: "release", example: "openavail release hld_0123abcd" },
  { tool: "list_holds", name: "holds", example: "openavail holds --owner demo@openavail.local" },
  {
    tool: "create_booking",
    name: "book",
    example: 'openavail book --hold hld_0123abcd --title "Intro call" --attendee ana@example.com',
  },
  {
    tool: "preempt",
    name: "preempt",
    example: 'openavail preempt bkg_0123abcd --title "Board call" --class urgent',
  },
  {
    tool: "cancel_booking",
    name: "cancel",
    example: 'openavail cancel bkg_0123abcd --reason "moved to email"',
  },
  {
    tool: "reschedule_booking",
    name: "reschedule",
    example: "openavail reschedule bkg_0123abcd --on tuesday --at 14:00",
  },
  {
    tool: "list_bookings",
    name: "bookings",
    example: "openavail bookings --owner demo@openavail.local --on monday",
  },
  { tool: "get_booking", name: "booking", example: "openavail booking bkg_0123abcd --tz Europe/Berlin" },
  {
    tool: "get_free_busy",
    name: "free-busy",
    example: "openavail free-busy --owner demo@openavail.local --on monday",
  },
  {
    tool: "find_common_slots",
    name: "common",
    example: "openavail common --owners demo@openavail.local,ana@example.com --on monday --duration 1h",
  },
  { tool: "get_availability_rules", name: "get-rules", example: "openavail get-rules cal_0123abcd" },
  {
    tool: "set_availability_rules",
    name: "set-rules",
    example: "openavail set-rules cal_0123abcd --buffer-before-minutes 10 --input '{\"working_hours\":null}'",
  },
  { tool: "delete_availability_rules", name: "delete-rules", example: "openavail delete-rules cal_0123abcd" },
  { tool: "get_notifications", name: "notifications", example: "openavail notifications --limit 10" },
  {
    tool: "manage_webhooks",
    name: "webhooks",
    example:
      "openavail webhooks --action create --url https://hooks.example.com/openavail --event-types booking.preempted",
  },
];

const CONNECTION_HELP = `
Connection: --server URL or OPENAVAIL_SERVER (default http://127.0.0.1:7420); the agent's key in
OPENAVAIL_API_KEY or --key-file PATH, never as an argument. Wall times (--on, --at, "2026-12-08 10:00")
are read in --tz, else the owner's zone; RFC 3339 instants with Z or an offset are taken as given.

${EXIT_STATUS_HELP}`;

interface AgentOptions {
  server?: string;
  keyFile?: string;
  key?: string;
  tz?: string;
  retries: number;
  quiet?: boolean;
  idempotencyKey?: string;
  [field: string]: unknown;
}

export function registerAgentToolCommands(program: Command, env: AdminEnv): void {
  for (const spec of AGENT_COMMANDS) {
    const tool = findTool(spec.tool);
    if (!tool) throw new Error(`agent command ${spec.name}: no tool ${spec.tool} in the registry`);
    const cmd = program
      .command(spec.name)
      .summary(`${tool.title} (${tool.name})`)
      .description(`${tool.description}\n\nREST: ${tool.rest.method} ${tool.rest.path}`);
    addToolOptions(cmd, tool);
    cmd
      .option("--server <url>", "the Openavail server (default: OPENAVAIL_SERVER or http://127.0.0.1:7420)")
      .option("--key-file <path>", "a file holding the agent's key (default: OPENAVAIL_API_KEY)")
      .addOption(new Option("--key <key>").hideHelp())
      .option("--tz <zone>", "show and read times in this IANA zone (default: the owner's)")
      .option("--retries <n>", "retries on 429 and 503", retriesArg, 4);
    if (tool.writes || tool.name === "check_availability")
      cmd.option("--quiet", "print only the id of what was held or booked (nothing otherwise)");
    cmd.addHelpText("after", `\nExample:\n  $ ${spec.example}\n${CONNECTION_HELP}`);
    cmd.action(async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      await runToolCommand(
        env,
        tool,
        command.opts<AgentOptions>(),
        command.processedArgs as string[],
        command,
      );
    });
  }
}

async function runToolCommand(
  env: AdminEnv,
  tool: ToolDefinition,
  opts: AgentOptions,
  positional: readonly string[],
  cmd: Command,
): Promise<void> {
  if (opts.key !== undefined)
    throw new UsageError(
      "the key is never an argument (arguments show in ps and shell history): set OPENAVAIL_API_KEY or pass --key-file PATH",
    );
  if (opts.tz !== undefined && !isZone(opts.tz))
    throw new UsageError(`--tz "${opts.tz}" is not an IANA time zone: write it like Europe/Berlin or UTC`);
  const { ctx } = env;
  const conn = connectionFrom(opts, ctx.env);
  const policy = retryPolicy(ctx, opts.retries);
  const zones = new OwnerZones(conn, policy, opts.tz);
  const input = await toolInput(tool, opts, positional, {
    now: env.now(),
    zone: () => zones.of(typeof opts.owner === "string" ? opts.owner : undefined),
  });
  const binding = bindingFor(tool, input);
  const res = await send(conn, restRequest(tool, binding, input, opts), policy);
  const body = parseBody(res);
  if (globals(cmd).json)
    ctx.stdout.write(res.text === "" || res.text.endsWith("\n") ? res.text : `${res.text}\n`);
  if (res.status >= 400) {
    ctx.stderr.write(errorText(tool, res, body));
    throw new ExitStatus(EXIT.error);
  }
  if (!globals(cmd).json) {
    if (opts.quiet) {
      const id = made(body);
      if (id) ctx.stdout.write(`${id}\n`);
    } else if (body) {
      ctx.stdout.write(renderHuman(body, await zones.of(ownerOf(body, input))));
    } else ctx.stdout.write("Done.\n");
  }
  const status = body && typeof body.verdict === "string" ? exitForVerdict(body.verdict) : EXIT.ok;
  if (status !== EXIT.ok) throw new ExitStatus(status);
}

function retryPolicy(ctx: CliContext, retries: number): RetryPolicy {
  return {
    retries,
    progress: (line) => ctx.stderr.write(`${line}\n`),
    sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
  };
}

/** The route for this input: PUT or PATCH for the rules, by the fields each fixes (`replace`). */
function bindingFor(tool: ToolDefinition, input: Record<string, unknown>): RestBinding {
  const bindings = restBindings(tool);
  if (bindings.length === 1) return tool.rest;
  const given = (field: string) => (Object.hasOwn(input, field) ? input[field] : fieldDefault(tool, field));
  return (
    bindings.find((b) => Object.entries(b.fixed ?? {}).every(([field, value]) => given(field) === value)) ??
    tool.rest
  );
}

function restRequest(
  tool: ToolDefinition,
  binding: RestBinding,
  input: Record<string, unknown>,
  opts: AgentOptions,
) {
  let path = binding.path;
  const rest: Record<string, unknown> = { ...input };
  for (const field of [...binding.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]!)) {
    const value = rest[field];
    if (value === undefined)
      throw new UsageError(`${flagOf(tool, field)} is required (see openavail ${commandName(tool)} --help)`);
    path = path.replace(`{${field}}`, encodeURIComponent(String(value)));
    delete rest[field];
  }
  for (const field of Object.keys(binding.fixed ?? {})) delete rest[field];
  const idempotencyKey = tool.writes ? (opts.idempotencyKey ?? `cli-${randomUUID()}`) : undefined;
  const inQuery = binding.method === "GET" || binding.method === "DELETE";
  return {
    method: binding.method,
    path,
    ...(inQuery ? { query: queryOf(rest) } : { body: rest }),
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
  };
}

/** Input fields as query parameters: objects as dotted names, lists comma-joined (query-params.ts reads both). */
function queryOf(input: Record<string, unknown>): URLSearchParams {
  const q = new URLSearchParams();
  const add = (name: string, value: unknown) => {
    if (value === undefined) return;
    if (Array.isArray(value)) q.append(name, value.join(","));
    else if (typeof value === "object" && value !== null)
      for (const [k, v] of Object.entries(value)) add(`${name}.${k}`, v);
    else q.append(name, String(value));
  };
  for (const [name, value] of Object.entries(input)) add(name, value);
  return q;
}

type Body = Record<string, unknown>;

function parseBody(res: RestResponse): Body | undefined {
  if (res.text === "") return undefined;
  try {
    const value = JSON.parse(res.text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Body) : undefined;
  } catch {
    return undefined;
  }
}

/** One line naming what went wrong, then each field as the option it was given with. */
function errorText(tool: ToolDefinition, res: RestResponse, body: Body | undefined): string {
  if (!body || typeof body.message !== "string") return `error: HTTP ${res.status} from the server\n`;
  const details = Array.isArray(body.details) ? (body.details as { field?: string; message?: string }[]) : [];
  const lines = details.map((d) => `  ${d.field ? flagOf(tool, d.field) : "input"}: ${d.message ?? ""}`);
  return [`error: ${body.message}`, ...lines, ""].join("\n");
}

/** The id of what a write made, for --quiet. */
function made(body: Body | undefined): string | undefined {
  if (!body) return undefined;
  for (const key of ["booking", "hold"] as const) {
    const item = body[key] as Body | null | undefined;
    if (item && typeof item === "object") return String(item.booking_id ?? item.hold_id);
  }
  return typeof body.hold_id === "string" ? body.hold_id : undefined;
}

function ownerOf(body: Body, input: Record<string, unknown>): string | undefined {
  for (const key of ["booking", "hold"] as const) {
    const item = body[key] as Body | null | undefined;
    if (item && typeof item.owner_email === "string") return item.owner_email;
  }
  if (typeof body.owner_email === "string") return body.owner_email;
  return typeof input.owner_email === "string" ? input.owner_email : undefined;
}

function commandName(tool: ToolDefinition): string {
  return AGENT_COMMANDS.find((c) => c.tool === tool.name)?.name ?? tool.name;
}

function retriesArg(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 10)
    throw new UsageError("--retries must be a whole number from 0 to 10");
  return Number(value);
}

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone times are shown and read in: --tz, else the owner's (asked of the server once per
 * invocation with whoami), else this machine's.
 */
class OwnerZones {
  #owners: Promise<Map<string, string>> | undefined;
  constructor(
    private readonly conn: Connection,
    private readonly policy: RetryPolicy,
    private readonly tz: string | undefined,
  ) {}

  async of(owner: string | undefined): Promise<string> {
    if (this.tz) return this.tz;
    this.#owners ??= this.#load();
    const owners = await this.#owners;
    const zone =
      owner !== undefined
        ? owners.get(owner.toLowerCase())
        : owners.size === 1
          ? [...owners.values()][0]
          : undefined;
    return zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  }

  async #load(): Promise<Map<string, string>> {
    const res = await send(this.conn, { method: "GET", path: "/v1/me" }, this.policy);
    const body = res.status === 200 ? parseBody(res) : undefined;
    const owners = (body?.owners as { email: string; timezone: string }[] | undefined) ?? [];
    return new Map(owners.map((o) => [o.email, o.timezone]));
  }
}
