// What an agent pays for Openavail's surface before and after its first call (issue 15, point 9):
// the tools/list it reads, in tokens (characters / 4), for an agent with every scope and for a
// read-only one, beside the same list written the SDK's way (full JSON Schema) as the baseline; and
// the size of a typical check_availability result.
import { z } from "zod";
import { SCOPES, type Scope } from "../../src/service/caller.js";
import { callTool } from "../../src/transports/mcp/create-mcp-server.js";
import { toolList } from "../../src/transports/mcp/tool-list.js";
import { findTool, TOOLS } from "../../tools/index.js";
import { makeWorld } from "../helpers/world.js";

// 4,000 for the scheduling surface (issue 15); manage_webhooks, for agents given it, counted apart.
const TARGETS = { core_tokens: 4_000, webhooks_extra_core_tokens: 250, whole_tokens: 10_000 } as const;

const tokens = (text: string) => Math.round(text.length / 4);

/** The SDK's own form of the list: every schema converted in full, as McpServer.registerTool lists it. */
function sdkList(): string {
  return JSON.stringify({
    tools: TOOLS.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: z.toJSONSchema(t.input, { target: "draft-7", io: "input" }),
      annotations: { title: t.title, ...t.annotations },
      execution: { taskSupport: "forbidden" },
      outputSchema: z.toJSONSchema(t.output, { target: "draft-7", io: "output" }),
    })),
  });
}

function sizes(scopes: readonly Scope[]) {
  const list = toolList(new Set(scopes));
  const core = JSON.stringify(
    list.tools.map(({ name, description, inputSchema }) => ({ name, description, inputSchema })),
  );
  return { tools: list.tools.length, core_tokens: tokens(core), whole_tokens: tokens(JSON.stringify(list)) };
}

async function checkAvailabilityResult() {
  const world = await makeWorld("2026-12-07T08:00:00Z");
  try {
    await world.addOwner("ceo@example.com", "Europe/London", {
      working_hours: { mon: { start: "09:00", end: "17:00" }, tue: { start: "09:00", end: "17:00" } },
    });
    const agent = await world.addAgent({ name: "sizer" });
    const result = await callTool(world.app, findTool("check_availability")!, async () => agent.caller, {
      owner_email: "ceo@example.com",
      duration_minutes: 30,
      window: { start: "2026-12-08T00:00:00Z", end: "2026-12-09T00:00:00Z" },
    });
    return {
      structured_tokens: tokens(JSON.stringify(result.structuredContent)),
      whole_result_tokens: tokens(JSON.stringify(result)),
    };
  } finally {
    await world.close();
  }
}

export async function benchToolList(): Promise<Record<string, unknown>> {
  const every = sizes(SCOPES);
  const scheduling = sizes(SCOPES.filter((s) => s !== "manage_webhooks"));
  const readOnly = sizes(["read_freebusy"]);
  const baseline = { whole_tokens: tokens(sdkList()) };
  const result = await checkAvailabilityResult();
  console.log("agent            | tools | name+description+input | whole tools/list");
  console.log(
    `every scope      | ${String(every.tools).padStart(5)} | ${String(every.core_tokens).padStart(22)} | ${every.whole_tokens}`,
  );
  console.log(
    `scheduling only  | ${String(scheduling.tools).padStart(5)} | ${String(scheduling.core_tokens).padStart(22)} | ${scheduling.whole_tokens}`,
  );
  console.log(
    `read_freebusy    | ${String(readOnly.tools).padStart(5)} | ${String(readOnly.core_tokens).padStart(22)} | ${readOnly.whole_tokens}`,
  );
  console.log(`baseline: the SDK's full JSON Schema for every tool: ${baseline.whole_tokens} tokens`);
  console.log(
    `check_availability result (a working day, 10 slots): structuredContent ${result.structured_tokens} tokens, whole result ${result.whole_result_tokens}`,
  );
  return {
    every_scope: every,
    scheduling_scopes: scheduling,
    read_freebusy: readOnly,
    baseline_sdk: baseline,
    check_availability_result: result,
    targets: TARGETS,
    pass: {
      core_tokens: scheduling.core_tokens <= TARGETS.core_tokens,
      webhooks_extra_core_tokens:
        every.core_tokens - scheduling.core_tokens <= TARGETS.webhooks_extra_core_tokens,
      whole_tokens: every.whole_tokens <= TARGETS.whole_tokens,
    },
  };
}
