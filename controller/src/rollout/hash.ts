// Pod-template and step hashes. spec/rollout-behavior.md §7.1.
//
// Decision on §11's open point: the hash is FNV-1a-32 over a *canonical* JSON encoding
// (object keys sorted, null and undefined members dropped) rather than Go's struct-order
// encoding. That makes it independent of the order in which a client wrote the keys, so the
// same template always gives the same ReplicaSet name; ReplicaSets created by another
// implementation are still adopted through the semantic-equality fallback (§3.1 step 2).

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** JSON with sorted object keys; null/undefined members are omitted (≡ absent in Kubernetes). */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value))
    return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== null && member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function fnv1a32(bytes: Uint8Array, seed: number): number {
  let hash = seed;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const FNV_OFFSET_BASIS = 0x811c9dc5;

/** Maps each character of the decimal string to the safe alphabet (no vowels, no 0/1/3). */
function safeEncode(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    out += SAFE_ALPHABET[text.charCodeAt(i) % SAFE_ALPHABET.length];
  }
  return out;
}

/**
 * spec §7.1: FNV-1a-32 of the template's JSON; with a collision count the 8 bytes
 * (uint32 little-endian + 4 zero bytes) are hashed too; the decimal value is then encoded.
 */
export function computeHash(value: unknown, collisionCount?: number): string {
  let hash = fnv1a32(new TextEncoder().encode(canonicalJson(value)), FNV_OFFSET_BASIS);
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = new Uint8Array(8);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    hash = fnv1a32(extra, hash);
  }
  return safeEncode(String(hash));
}

/** Hash of the canary steps, stored as status.currentStepHash (spec §2.1). */
export function computeStepHash(steps: readonly unknown[] | undefined): string {
  return computeHash(steps ?? []);
}
