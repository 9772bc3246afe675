// Entity ids: a type prefix and 20 random base32 characters (100 bits), e.g. `bkg_k3v9...`.
import { randomFillSync } from "node:crypto";

export type IdPrefix =
  | "own"
  | "cal"
  | "agt"
  | "key"
  | "hld"
  | "bkg"
  | "dec"
  | "ntf"
  | "crd"
  | "adm"
  | "evt"
  | "avr"
  | "cln"
  | "ses"
  | "act"
  | "gco"
  | "whk"
  | "msg"
  | "wev"
  | "occ";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const ID_CHARS = 20;

// One system call per 200 ids instead of one per id: a decision makes several.
const pool = Buffer.alloc(ID_CHARS * 200);
let offset = pool.length;

export function newId(prefix: IdPrefix): string {
  if (offset + ID_CHARS > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let out = `${prefix}_`;
  for (let i = 0; i < ID_CHARS; i++) out += ALPHABET[pool[offset + i]! & 31];
  offset += ID_CHARS;
  return out;
}
