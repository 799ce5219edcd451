/**
 * Node (20+) has WebCrypto's CryptoKey as a global, as Workers do, but @types/node 20 does not
 * declare it. The edge modules the search contract runs in Node (support/search-world.ts) name it.
 */
import type { webcrypto } from "node:crypto";

declare global {
  type CryptoKey = webcrypto.CryptoKey;
}
