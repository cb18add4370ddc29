/**
 * Rendezvous (highest-random-weight) hashing: the owner of a key among some
 * candidates is the one whose hash with the key weighs most. Every replica that
 * knows the same candidates agrees on the owner without talking to the others,
 * and a candidate that joins or leaves moves only the keys it wins or held (about
 * 1/n of them), never a key between two others.
 *
 * @example
 * rendezvousOwner("trg_1:0", ["replica-a", "replica-b", "replica-c"]); // e.g. "replica-b"
 */
export function rendezvousOwner(key: string, candidates: readonly string[]): string | undefined {
  let owner: string | undefined;
  let best = -1;
  for (const candidate of candidates) {
    const weight = rendezvousWeight(key, candidate);
    // Equal weights (rare with 32 bits) go to the smaller id, so that the answer never depends on the order.
    if (weight > best || (weight === best && owner !== undefined && candidate < owner)) {
      owner = candidate;
      best = weight;
    }
  }
  return owner;
}

/**
 * The weight of `candidate` for `key`: FNV-1a over both (a separator between them,
 * so that "ab"+"c" and "a"+"bc" differ), then the murmur3 finaliser, whose
 * avalanche makes the weights of one key under different candidates independent.
 * An unsigned 32-bit integer; the same in every process and on every machine.
 */
export function rendezvousWeight(key: string, candidate: string): number {
  let hash = 0x811c9dc5;
  hash = fnv(hash, candidate);
  hash = Math.imul(hash ^ 0xff, 0x01000193);
  hash = fnv(hash, key);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

function fnv(seed: number, text: string): number {
  let hash = seed;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash;
}
