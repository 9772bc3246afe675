// Loads and validates the meeting-class policy file; its hash is recorded in every decision.
import { hash } from "node:crypto";
import { readFileSync } from "node:fs";
import { classNamed, Policy } from "../../schemas/policy.js";
import type { ArbiterPolicy } from "../core/arbiter.js";
import type { Caller } from "./caller.js";
import { OpenavailError } from "./errors.js";
import { ILL_FORMED_TEXT, illFormedTextPath } from "./well-formed-text.js";

export interface LoadedPolicy {
  readonly policy: Policy;
  readonly arbiter: ArbiterPolicy;
  /** SHA-256 of the canonical policy JSON, first 16 hex characters. */
  readonly hash: string;
  readonly source: string;
}

/** Validates a parsed policy object; throws an Error whose message names the field. */
export function policyFrom(raw: unknown, source: string): LoadedPolicy {
  // zod drops a "__proto__" key of a record without a word: a class the file names would vanish.
  const classes = raw && typeof raw === "object" ? (raw as Record<string, unknown>)["classes"] : undefined;
  if (classes && typeof classes === "object" && Object.hasOwn(classes, "__proto__")) {
    throw new Error(`invalid policy ${source}: classes.__proto__: is not a meeting class name; rename it`);
  }
  const illFormed = illFormedTextPath(raw);
  if (illFormed !== undefined) {
    throw new Error(`invalid policy ${source}: ${illFormed || "(root)"}: ${ILL_FORMED_TEXT}`);
  }
  const parsed = Policy.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join(".") || "(root)";
    throw new Error(`invalid policy ${source}: ${field}: ${issue.message}`);
  }
  const policy = parsed.data;
  return {
    policy,
    arbiter: {
      classes: new Map(Object.entries(policy.classes)),
      protectAfterHours: policy.protect_after_hours,
    },
    hash: hash("sha256", canonicalJson(policy), "hex").slice(0, 16),
    source,
  };
}

export function loadPolicyFile(path: string): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read policy file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`policy file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return policyFrom(raw, path);
}

/**
 * The meeting class a request runs as: the one it names, else the agent's default, else the policy's.
 * Refused by name (the field `meeting_class`) unless the policy defines it as its own class.
 */
export function resolveMeetingClass(
  loaded: LoadedPolicy,
  caller: Caller,
  requested: string | undefined,
): string {
  const name = requested ?? caller.defaultClass ?? loaded.policy.default_class;
  if (classNamed(loaded.policy, name) === undefined) {
    const known = Object.keys(loaded.policy.classes).join(", ");
    const message =
      requested === undefined
        ? `Unknown meeting class "${name}" (the default_class of agent ${caller.agentId}); pass meeting_class, one of ${known}, or ask an admin to fix the agent's default_class.`
        : `Unknown meeting class "${name}"; use one of ${known}.`;
    throw new OpenavailError("bad_request", message, {
      details: [{ field: "meeting_class", message: `must be one of ${known}` }],
    });
  }
  return name;
}

/** JSON with object keys sorted at every level: equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return canonical(value) as string;
}

// Written directly rather than as JSON.stringify of a key-sorted copy: the copy's null-prototype
// objects were slow for stringify, and the two cost ~7 µs of a REST booking (its decision row's
// request). The output is byte for byte the copy's, as idempotency fingerprints are stored: undefined,
// functions and symbols are left out of objects and written null in arrays; keys that are array
// indices come first in numeric order (as the copy's own properties were enumerated), then the rest
// by code unit.
function canonical(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += `${i > 0 ? "," : ""}${canonical(value[i]) ?? "null"}`;
    return `${out}]`;
  }
  if (value !== null && typeof value === "object") {
    let out = "{";
    for (const key of sortedKeys(value)) {
      const written = canonical((value as Record<string, unknown>)[key]);
      if (written !== undefined) out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${written}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value);
}

/** Own enumerable keys: array indices first, ascending (as Object.keys gives them), then the rest sorted. */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value);
  let indices = 0;
  while (indices < keys.length && isArrayIndex(keys[indices]!)) indices++;
  if (indices === 0) return keys.sort();
  return [...keys.slice(0, indices), ...keys.slice(indices).sort()];
}

function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4_294_967_295;
}
