// Entity ids: a type prefix and 20 random base32 characters (100 bits), e.g. `bkg_k3v9...`.
import { randomBytes } from "node:crypto";

export type IdPrefix = "own" | "cal" | "agt" | "key" | "hld" | "bkg" | "dec" | "ntf" | "crd" | "adm" | "evt";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export function newId(prefix: IdPrefix): string {
  const bytes = randomBytes(20);
  let out = `${prefix}_`;
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}
