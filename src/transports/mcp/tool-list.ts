// The tools/list result, built once per process. The SDK converts every zod schema to JSON Schema on
// each tools/list (~90 KB of output per call), which let one batch of list calls stall the event
// loop; the registry never changes while the process runs, so neither does the list.
import type { ListToolsResult } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { TOOLS } from "../../../tools/index.js";

let cached: { readonly result: ListToolsResult; readonly json: string } | undefined;

/** The same list McpServer would build from the registry (draft-7 JSON Schema, as the SDK writes). */
export function toolList(): ListToolsResult {
  return build().result;
}

/** `toolList()` serialized once, for answering tools/list without serializing it again. */
export function toolListJson(): string {
  return build().json;
}

function build(): { readonly result: ListToolsResult; readonly json: string } {
  if (cached) return cached;
  const result: ListToolsResult = {
    tools: TOOLS.map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: jsonSchema(tool.input, "input"),
      annotations: { title: tool.title, ...tool.annotations },
      outputSchema: jsonSchema(tool.output, "output"),
    })),
  };
  cached = { result, json: JSON.stringify(result) };
  return cached;
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): { type: "object"; [key: string]: unknown } {
  return z.toJSONSchema(schema, { target: "draft-7", io }) as { type: "object"; [key: string]: unknown };
}
