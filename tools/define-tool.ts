// The shape of one tool: everything both transports and the OpenAPI document need, as data.
import type { z } from "zod";
import type { Caller, Scope } from "../src/service/caller.js";
import type { SchedulingService, Tx } from "../src/service/scheduling-service.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RestBinding {
  readonly method: HttpMethod;
  /** Express-style path; `{name}` segments fill the input field of that name. */
  readonly path: string;
  /**
   * Query parameters that stand for a nested input field, e.g. `start` for `window.start`: seed 002's
   * GET routes take `start` and `end` where the tool's one input language says `window`.
   */
  readonly query?: Readonly<Record<string, string>>;
  /**
   * Input fields the route itself sets, e.g. `replace: true` for a PUT that replaces: a request that
   * names one with another value is refused, and the OpenAPI body leaves it out.
   */
  readonly fixed?: Readonly<Record<string, unknown>>;
  /** 204: success answers with no body (a REST DELETE); the MCP result is unchanged. Default 200. */
  readonly status?: 200 | 204;
  /** OpenAPI operationId and summary of a tool's further route (`moreRest`); default the tool's. */
  readonly operationId?: string;
  readonly summary?: string;
}

export interface ToolAnnotations {
  readonly readOnlyHint: boolean;
  readonly destructiveHint: boolean;
  readonly idempotentHint: boolean;
  readonly openWorldHint: boolean;
}

export interface ToolDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly title: string;
  /** Written for an LLM: when to call it, what each result means, and what to do next. */
  readonly description: string;
  /** Every scope the caller must hold. Empty: any authenticated agent. */
  readonly scopes: readonly Scope[];
  readonly input: I;
  readonly output: O;
  readonly annotations: ToolAnnotations;
  readonly rest: RestBinding;
  /** Further routes to the same tool, e.g. PATCH beside PUT, each with its own fixed fields. */
  readonly moreRest?: readonly RestBinding[];
  /** Whether the tool writes (and so takes an idempotency key). */
  readonly writes: boolean;
  /** False for the tool whose whole result is the notifications. */
  readonly deliverNotifications?: boolean;
  readonly run: (service: SchedulingService, tx: Tx, input: z.output<I>) => Promise<object>;
}

/** Every REST route of a tool: its binding, then its further ones. */
export function restBindings(tool: ToolDefinition): readonly RestBinding[] {
  return tool.moreRest ? [tool.rest, ...tool.moreRest] : [tool.rest];
}

/** Identity with inference: keeps each tool file free of type annotations. */
export function defineTool<I extends z.ZodType, O extends z.ZodType>(
  tool: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  return tool;
}

export type { Caller };
