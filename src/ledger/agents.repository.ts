// Agents and their API keys.
import type { Insertable, Kysely, Updateable } from "kysely";
import { preparedQuery } from "./prepared-query.js";
import type { AgentRow, AgentsTable, ApiKeyRow, ApiKeysTable, Database } from "./tables.js";

export async function insertAgent(db: Kysely<Database>, row: Insertable<AgentsTable>): Promise<void> {
  await db.insertInto("agents").values(row).execute();
}

const agentById = preparedQuery<[string], AgentRow>((db, arg) =>
  db.selectFrom("agents").selectAll().where("id", "=", arg(0)),
);
const apiKeyByHash = preparedQuery<[string], ApiKeyRow>((db, arg) =>
  db.selectFrom("api_keys").selectAll().where("hash", "=", arg(0)),
);

export async function findAgent(db: Kysely<Database>, id: string): Promise<AgentRow | undefined> {
  return (await agentById(db, id))[0];
}

export async function listAgents(db: Kysely<Database>): Promise<AgentRow[]> {
  return db.selectFrom("agents").selectAll().orderBy("created_at").orderBy("id").execute();
}

export async function updateAgent(
  db: Kysely<Database>,
  id: string,
  patch: Updateable<AgentsTable>,
): Promise<void> {
  await db.updateTable("agents").set(patch).where("id", "=", id).execute();
}

export async function insertApiKey(db: Kysely<Database>, row: Insertable<ApiKeysTable>): Promise<void> {
  await db.insertInto("api_keys").values(row).execute();
}

export async function findApiKeyByHash(db: Kysely<Database>, hash: string): Promise<ApiKeyRow | undefined> {
  return (await apiKeyByHash(db, hash))[0];
}

export async function listApiKeys(db: Kysely<Database>, agentId: string): Promise<ApiKeyRow[]> {
  return db
    .selectFrom("api_keys")
    .selectAll()
    .where("agent_id", "=", agentId)
    .orderBy("created_at")
    .execute();
}

export async function revokeApiKey(
  db: Kysely<Database>,
  agentId: string,
  keyId: string,
  at: number,
): Promise<boolean> {
  const res = await db
    .updateTable("api_keys")
    .set({ revoked_at: at })
    .where("id", "=", keyId)
    .where("agent_id", "=", agentId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function touchApiKey(db: Kysely<Database>, keyId: string, at: number): Promise<void> {
  await db.updateTable("api_keys").set({ last_used_at: at }).where("id", "=", keyId).execute();
}
