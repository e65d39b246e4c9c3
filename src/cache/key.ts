// Cache keys: the same problem must hash the same however the request spelled it. Hashing the
// normalised input (defaults applied, key order fixed by RFC 8785 canonical JSON) achieves both.
import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';

// canonicalize is CommonJS (`module.exports = fn`) but its .d.ts declares `export default`, which
// TypeScript's NodeNext mode types as the module namespace; at run time the default import is the fn.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

export interface KeyParts {
  /** Problem family: 'allocate' today, 'blocks' and 'pareto' later; keeps families apart. */
  kind: string;
  /** Version of the code that answers this kind: a new solver must not serve old answers. */
  solverVersion: string;
  /** The normalised problem (for allocate: normalize() output, instance + options). */
  input: unknown;
}

/** sha256 (hex) of the canonical JSON of { kind, solverVersion, input }. */
export function requestHash(parts: KeyParts): string {
  const canonical = canonicalize({ kind: parts.kind, solverVersion: parts.solverVersion, input: parts.input });
  if (canonical === undefined) throw new TypeError('requestHash: input is not JSON-serialisable');
  return createHash('sha256').update(canonical).digest('hex');
}

/** The store key of one answer; the kind up front keeps families apart when scanning a store. */
export function cacheKey(kind: string, hash: string): string {
  return `${kind}:${hash}`;
}
