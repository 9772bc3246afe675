// The listed tools (issue 15, point 9): each agent sees the tools its scopes allow, in compact JSON
// Schema that still accepts every request and response the zod schemas accept.
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { SCOPES, type Scope } from "../../src/service/caller.js";
import { toolList, toolListJson, visibleTools } from "../../src/transports/mcp/tool-list.js";
import { EXAMPLES } from "../../src/transports/openapi-examples.js";
import { TOOLS } from "../../tools/index.js";

const ALL = new Set<Scope>(SCOPES);

describe("tool list", () => {
  it("shows an agent only the tools whose every scope it holds", () => {
    expect(visibleTools(ALL)).toEqual(TOOLS);
    const names = (scopes: Scope[]) => visibleTools(new Set(scopes)).map((t) => t.name);
    expect(names([])).toEqual(["get_notifications", "whoami"]);
    expect(names(["create_bookings"])).toContain("create_booking");
    expect(names(["create_bookings"])).not.toContain("preempt");
    expect(names(["create_bookings", "preempt"])).toContain("preempt");
  });

  it("is built once per set of scopes", () => {
    expect(toolList(new Set<Scope>(["read_freebusy"]))).toBe(toolList(new Set<Scope>(["read_freebusy"])));
    expect(toolListJson(ALL)).toBe(JSON.stringify(toolList(ALL)));
  });

  it("accepts every documented example request and response (compact, never stricter than zod)", () => {
    const ajv = new Ajv.default({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const listed = new Map(toolList(ALL).tools.map((t) => [t.name, t]));
    let checked = 0;
    for (const [name, examples] of Object.entries(EXAMPLES)) {
      const tool = listed.get(name);
      expect(tool, name).toBeDefined();
      const input = ajv.compile(tool!.inputSchema);
      for (const [label, request] of Object.entries(examples.requests ?? {})) {
        expect(input(request), `${name} ${label}: ${ajv.errorsText(input.errors)}`).toBe(true);
        checked++;
      }
      if (examples.response === undefined) continue;
      const output = ajv.compile(tool!.outputSchema!);
      expect(output(examples.response), `${name} response: ${ajv.errorsText(output.errors)}`).toBe(true);
    }
    expect(checked).toBeGreaterThan(TOOLS.length / 2);
  });

  it("writes no pattern, $schema or output description: the strict check is zod's", () => {
    const json = toolListJson(ALL);
    expect(json).not.toContain('"pattern"');
    expect(json).not.toContain('"$schema"');
    // A property may be named description (an agent's); a description of a field is a string.
    for (const tool of toolList(ALL).tools)
      expect(JSON.stringify(tool.outputSchema)).not.toMatch(/"description":"/);
  });

  it("costs a scheduling agent at most 4,000 tokens of names, descriptions and inputs; webhooks 250 more; 10,000 in all", () => {
    // Tokens as characters / 4, the measure; `npm run bench` prints the figures. The 4,000 is
    // the scheduling surface (issue 15); manage_webhooks, for agents given that scope, is counted apart.
    const coreTokens = (scopes: ReadonlySet<Scope>) =>
      JSON.stringify(
        toolList(scopes).tools.map(({ name, description, inputSchema }) => ({
          name,
          description,
          inputSchema,
        })),
      ).length / 4;
    const scheduling = new Set(SCOPES.filter((s) => s !== "manage_webhooks"));
    expect(coreTokens(scheduling)).toBeLessThanOrEqual(4_000);
    expect(coreTokens(ALL) - coreTokens(scheduling)).toBeLessThanOrEqual(250);
    expect(JSON.stringify(toolList(ALL)).length / 4).toBeLessThanOrEqual(10_000);
  });

  it("lists working hours' seven days as one day schema", () => {
    const rules = toolList(ALL).tools.find((t) => t.name === "set_availability_rules")!;
    const text = JSON.stringify(rules.inputSchema);
    expect(text).toContain('"propertyNames":{"enum":["mon","tue","wed","thu","fri","sat","sun"]}');
    expect(text.match(/Local start of working hours/g)).toHaveLength(1);
  });
});
