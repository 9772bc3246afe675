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
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    // Null prototype: a "__proto__" key of the input must stay a key, not become a prototype.
    const out: Record<string, unknown> = Object.create(null);
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}
