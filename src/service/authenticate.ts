// Turns a raw API key into a Caller, or an `unauthorized` error that says what to do.
import type { Kysely } from "kysely";
import { findAgent, findApiKeyByHash, touchApiKey } from "../ledger/agents.repository.js";
import { type Changes, StampedCache } from "../ledger/change-tracker.js";
import type { AgentRow, ApiKeyRow, Database } from "../ledger/tables.js";
import { hashApiKey, hashesEqual, isWellFormedApiKey, keyPrefix } from "./api-keys.js";
import { type Caller, lastUseDue, SCOPES, type Scope } from "./caller.js";
import { OpenavailError } from "./errors.js";
import { AccessTokenCache, authenticateAccessToken, looksLikeAccessToken } from "./oauth/access-tokens.js";

/** What a key resolves to: kept by KeyCache while neither table can have changed. */
interface Resolved {
  readonly key: ApiKeyRow;
  readonly agent: AgentRow | undefined;
  readonly caller: Caller | null;
}

/**
 * A key's row, its agent and the Caller they make, by key hash, kept between requests while no write
 * to api_keys or agents (revoking, expiring, disabling, editing an agent) can have happened in this
 * process or any other: such a write makes every entry stale at once (change-tracker.ts). Expiry is
 * still checked against `now` on every request. Unknown keys are never kept.
 */
export class KeyCache extends StampedCache<Resolved> {
  /** OAuth access tokens, kept by the same rule over their own tables. */
  readonly accessTokens: AccessTokenCache;
  /**
   * The hash of each working key this process has seen, by the key as sent: a key's checksum and
   * hash are two SHA-256 runs, ~8 us of a cached request under load, and neither can change. Only
   * the hash is looked up; whether the key still works is the stamped entry's or the ledger's say.
   * A key found revoked, expired or disabled is dropped, so the process holds only keys that work
   * (as every request carrying one does while it runs).
   */
  readonly #hashes = new Map<string, string>();
  constructor(changes: Changes) {
    super(changes, ["api_keys", "agents"], HASHES_KEPT);
    this.accessTokens = new AccessTokenCache(changes);
  }

  /** The hash of `raw` if it resolved to a key before. */
  knownHash(raw: string): string | undefined {
    return this.#hashes.get(raw);
  }

  rememberHash(raw: string, hash: string): void {
    if (this.#hashes.has(raw)) return;
    if (this.#hashes.size >= HASHES_KEPT) this.#hashes.delete(this.#hashes.keys().next().value!);
    this.#hashes.set(raw, hash);
  }

  forgetHash(raw: string): void {
    this.#hashes.delete(raw);
  }
}

/** How many keys' entries, and hashes, KeyCache keeps. */
const HASHES_KEPT = 1_000;

/**
 * The caller `raw` authenticates as. `provisional` (for a call that runs a decision's transaction):
 * a key this process knows, unchanged by its own writes, is taken as it was without asking SQLite
 * whether another process changed it (a statement outside a transaction, ~20 us of a request under
 * load); the caller's `recheck` asks inside the transaction, where it is free (runTool).
 */
export async function authenticate(
  db: Kysely<Database>,
  raw: string | undefined,
  now: number,
  cache?: KeyCache,
  options: { readonly provisional?: boolean } = {},
): Promise<Caller> {
  if (!raw) {
    throw new OpenavailError(
      "unauthorized",
      "Missing API key: send Authorization: Bearer ak_... (or set OPENAVAIL_API_KEY), or sign in with OAuth.",
    );
  }
  const keyHash = cache?.knownHash(raw) ?? (isWellFormedApiKey(raw) ? hashApiKey(raw) : undefined);
  if (keyHash === undefined) {
    if (looksLikeAccessToken(raw))
      return authenticateAccessToken(db, raw, now, cache?.accessTokens, callerOf);
    throw new OpenavailError(
      "unauthorized",
      "That is not a valid Openavail API key (wrong format or checksum); check for a copy-paste error.",
    );
  }
  const resolve = async (): Promise<Resolved> => {
    const key = await findApiKeyByHash(db, keyHash);
    if (!key || !hashesEqual(key.hash, keyHash))
      throw new OpenavailError("unauthorized", "Unknown API key; ask the owner for a new one.");
    const agent = await findAgent(db, key.agent_id);
    return { key, agent, caller: agent ? callerOf(agent, keyPrefix(raw)) : null };
  };
  const known = options.provisional ? cache?.peek(keyHash) : undefined;
  const resolved = known ?? (cache ? await cache.readThrough(keyHash, resolve) : await resolve());
  const { key, agent, caller } = resolved;
  const refusal = refusalOf(key, agent, now);
  if (refusal || !caller) {
    // A key is kept by its raw form only while it works (KeyCache's hashes).
    cache?.forgetHash(raw);
    throw refusal ?? disabled(key);
  }
  cache?.rememberHash(raw, keyHash);
  // Provisional: even last_used_at waits for the transaction, where the recheck writes it if due.
  if (known) {
    return {
      ...caller,
      recheck: async (through) => {
        const fresh = await authenticate(through, raw, now, cache);
        return fresh === caller ? null : fresh;
      },
    };
  }
  // The write makes the cached entry stale, so the next request reads the new last_used_at.
  if (lastUseDue(key.last_used_at, now)) await touchApiKey(db, key.id, now);
  return caller;
}

/** Why a key found in the ledger does not work (revoked, expired, its agent disabled), if it does not. */
function refusalOf(key: ApiKeyRow, agent: AgentRow | undefined, now: number): OpenavailError | null {
  if (key.revoked_at !== null)
    return new OpenavailError(
      "unauthorized",
      `API key ${key.prefix}… was revoked; ask the owner for a new one.`,
    );
  if (key.expires_at !== null && key.expires_at <= now)
    return new OpenavailError("unauthorized", `API key ${key.prefix}… expired; ask the owner for a new one.`);
  return agent?.status === "active" ? null : disabled(key);
}

function disabled(key: ApiKeyRow): OpenavailError {
  return new OpenavailError("unauthorized", `Agent ${key.agent_id} is disabled; its keys no longer work.`);
}

export function callerOf(agent: AgentRow, prefix: string | null): Caller {
  const scopes = (JSON.parse(agent.scopes_json) as string[]).filter((s): s is Scope =>
    (SCOPES as readonly string[]).includes(s),
  );
  const owners = JSON.parse(agent.owners_json) as string[];
  return {
    agentId: agent.id,
    name: agent.name,
    description: agent.description,
    priority: agent.priority,
    defaultClass: agent.default_class,
    scopes: new Set(scopes),
    owners: owners.includes("*") ? "*" : new Set(owners.map((o) => o.toLowerCase())),
    keyPrefix: prefix,
  };
}
