// The one error type at the edge: a type, a status, a sentence a person can act on, and details.
import type { ZodError, z } from "zod";
import { ERROR_STATUS, type ErrorBody, type ErrorDetail, type ErrorType } from "../../schemas/errors.js";
import { knownFieldsAt, nearestName } from "./field-names.js";

/** A rate limit, as RateLimit-Policy names it: `"per-key";q=120;w=60`. */
export interface RefusingLimit {
  readonly policy: string;
  readonly limit: number;
  readonly windowMs: number;
}

export class OpenavailError extends Error {
  readonly type: ErrorType;
  readonly status: number;
  readonly details: readonly ErrorDetail[] | undefined;
  readonly retryAfter: number | undefined;
  /** For a missing scope: the scopes to ask for (an OAuth client's insufficient_scope challenge). */
  readonly scopeChallenge: readonly string[] | undefined;
  /** For a refusal by a rate limiter: the limit that refused, for the RateLimit headers. */
  readonly rateLimit: RefusingLimit | undefined;

  constructor(
    type: ErrorType,
    message: string,
    options: {
      details?: ErrorDetail[];
      retryAfter?: number;
      scopeChallenge?: readonly string[];
      rateLimit?: RefusingLimit;
    } = {},
  ) {
    super(message);
    this.name = "OpenavailError";
    this.type = type;
    this.status = ERROR_STATUS[type];
    this.details = options.details;
    this.retryAfter = options.retryAfter;
    this.scopeChallenge = options.scopeChallenge;
    this.rateLimit = options.rateLimit;
  }

  toJSON(): ErrorBody {
    const body: ErrorBody = { error: this.type, message: this.message };
    if (this.details && this.details.length > 0) body.details = [...this.details];
    if (this.retryAfter !== undefined) body.retry_after = this.retryAfter;
    return body;
  }
}

/**
 * Turns zod issues into a bad_request whose message and details name every offending field: a missing
 * one is "required", and an unknown one suggests the nearest field `schema` knows there.
 */
export function badRequestFrom(
  error: ZodError,
  what = "request",
  schema?: z.ZodType,
  input?: unknown,
): OpenavailError {
  const details: ErrorDetail[] = error.issues.slice(0, 20).map((issue) => {
    const field = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      const where = field ? `${field}.` : "";
      const known = schema ? knownFieldsAt(schema, issue.path) : [];
      const hints = issue.keys.map((k) => {
        const near = nearestName(k, known);
        return near ? `${JSON.stringify(k)} (did you mean ${near}?)` : JSON.stringify(k);
      });
      return {
        field: issue.keys.map((k) => `${where}${k}`).join(", ") || field,
        message: `unknown field${issue.keys.length > 1 ? "s" : ""} ${hints.join(", ")}`,
      };
    }
    // zod does not report the value it refused, so absence is read from the input itself.
    if (issue.code === "invalid_type" && input !== undefined && valueAt(input, issue.path) === undefined)
      return { field, message: "required" };
    if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input")) {
      return { field, message: `expected ${issue.expected}` };
    }
    return { field, message: issue.message };
  });
  const first = details[0];
  const summary = first ? `${first.field || what}: ${first.message}` : `invalid ${what}`;
  const more =
    details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? "s" : ""})` : "";
  return new OpenavailError("bad_request", `Invalid ${what}: ${summary}${more}.`, { details });
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== "object" || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/** Any thrown value as the error body a caller may see: internal errors never carry a stack or cause. */
export function toErrorBody(err: unknown): OpenavailError {
  if (err instanceof OpenavailError) return err;
  return new OpenavailError(
    "internal",
    "Openavail hit an internal error; the request was not applied. Try again.",
  );
}
