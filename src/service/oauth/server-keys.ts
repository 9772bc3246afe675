// The authorization server's own secrets: the keys that sign its cookies (the browser's session and
// interaction cookies) and the key its metadata publishes. Made once, sealed at rest with the
// ledger's secret key, and shared by every process on the ledger, so a sign-in started on one
// instance finishes on another.
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import type { Kysely } from "kysely";
import type { Database } from "../../ledger/tables.js";
import type { SecretBox } from "../../providers/secret-box.js";
import { oauthIdHash } from "./oauth-store.js";

export interface ServerKeys {
  readonly cookieKeys: readonly string[];
  readonly signingKey: JWK;
}

const MODEL = "ServerKeys";
const ID = "current";
const CONTEXT = "oauth-server-keys";

/** The keys on the ledger, made (and stored) on first use. */
export async function loadServerKeys(db: Kysely<Database>, box: SecretBox): Promise<ServerKeys> {
  const stored = await readKeys(db, box);
  if (stored) return stored;
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    alg: "ES256",
    use: "sig",
    kid: randomBytes(8).toString("hex"),
  };
  const keys: ServerKeys = { cookieKeys: [randomBytes(32).toString("base64url")], signingKey };
  // Another process may have made them a moment ago: the first row stays, and everyone uses it.
  await db
    .insertInto("oauth_store")
    .values({
      model: MODEL,
      id_hash: oauthIdHash(ID),
      payload_json: JSON.stringify({ sealed: box.seal(JSON.stringify(keys), CONTEXT) }),
      grant_id: null,
      uid: null,
      expires_at: null,
      consumed_at: null,
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return (await readKeys(db, box)) ?? keys;
}

async function readKeys(db: Kysely<Database>, box: SecretBox): Promise<ServerKeys | undefined> {
  const row = await db
    .selectFrom("oauth_store")
    .select("payload_json")
    .where("model", "=", MODEL)
    .where("id_hash", "=", oauthIdHash(ID))
    .executeTakeFirst();
  if (!row) return undefined;
  const { sealed } = JSON.parse(row.payload_json) as { sealed: string };
  return JSON.parse(box.open(sealed, CONTEXT)) as ServerKeys;
}
