// Cache keys: the same problem must hash the same however the request spelled it. Hashing the
// normalised input (defaults applied, key order fixed by RFC 8785 canonical JSON) achieves both.
import { createHash } from 'node:crypto';

/**
 * RFC 8785 canonical JSON: keys sorted by UTF-16 code units, ES number and string serialisation,
 * undefined members dropped, undefined array items as null. Done as a copy with sorted keys (arrays
 * of primitives are shared, not copied) serialised by the native JSON.stringify, whose number and
 * string output is exactly RFC 8785's. The `canonicalize` package gives the same string (a test
 * holds them equal) but walks every value in JavaScript: on a 1000-device instance (2.6 MB) it
 * took 130–250 ms of the main thread per cache miss, this takes about 30 ms.
 *
 * Two cases JSON.stringify gets wrong are handled apart: non-finite numbers (it writes null; here
 * they are an error) and integer-like keys, which JavaScript orders numerically whatever the
 * insertion order: a value holding such keys is written piece by piece instead (slower, rare).
 */
export function canonicalJson(value: unknown): string {
  return canonical(value, false);
}

function canonical(value: unknown, compact: boolean): string {
  try {
    return JSON.stringify(sortedCopy(value, compact));
  } catch (e) {
    if (!(e instanceof IndexLikeKeys)) throw e;
    const out: string[] = [];
    write(value, out);
    return out.join('');
  }
}

const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;

class IndexLikeKeys extends Error {}

function finite(x: number): number {
  if (!Number.isFinite(x)) throw new TypeError(`canonical JSON: ${x} is not allowed`);
  return x;
}

/** Numeric arrays at least this long are hashed as their float64 bytes when compacting. */
const COMPACT_NUMBERS = 64;

/**
 * A long array of numbers (a device's gain to every server) as one string naming the digest of
 * its IEEE 754 bytes: writing millions of numbers as decimal text is most of a large request's
 * hashing time, and equal arrays still give equal strings.
 */
function compactNumbers(v: number[]): string {
  const bytes = Float64Array.from(v);
  return `float64[${v.length}]:${createHash('sha256').update(new Uint8Array(bytes.buffer)).digest('base64')}`;
}

function sortedCopy(v: unknown, compact: boolean): unknown {
  if (typeof v === 'number') return finite(v);
  if (v === null || typeof v !== 'object') return v;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return sortedCopy((v as { toJSON: () => unknown }).toJSON(), compact);
  if (Array.isArray(v)) {
    let flat = true;
    let numeric = true;
    for (const item of v) {
      if (typeof item === 'number') finite(item);
      else {
        numeric = false;
        if (item !== null && typeof item === 'object') flat = false;
      }
    }
    if (compact && numeric && v.length >= COMPACT_NUMBERS) return compactNumbers(v as number[]);
    return flat ? v : v.map((item) => sortedCopy(item, compact));
  }
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of sortedKeys(obj)) out[k] = sortedCopy(obj[k], compact);
  return out;
}

/**
 * Sorted key lists by the key list as found, as a trie over the keys in their order (no key can
 * stand for two: a joined string could): a normalised instance's objects come in a few shapes
 * (devices, modes, servers), so the sort is done once per shape.
 */
interface KeyOrder {
  next: Map<string, KeyOrder>;
  sorted?: string[];
}
const KEY_ORDERS: KeyOrder = { next: new Map() };
let keyOrderNodes = 0;
const KEY_ORDER_NODES_MAX = 4096;
/**
 * Only shapes like the instance's are remembered: a client's own objects (a job's free-form
 * fields) could otherwise pin long keys for the process's life, or fill the trie for good.
 */
const KEY_ORDER_KEYS_MAX = 32;
const KEY_ORDER_KEY_LENGTH_MAX = 64;

/** Nodes in the key-order trie (for tests: it stays bounded whatever clients send). */
export function keyOrderNodeCount(): number {
  return keyOrderNodes;
}

/** An object's keys in code-unit order (IndexLikeKeys when one looks like an index). */
function sortedKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  let node: KeyOrder | undefined = keys.length <= KEY_ORDER_KEYS_MAX ? KEY_ORDERS : undefined;
  for (let i = 0; i < keys.length && node !== undefined; i++) {
    let child: KeyOrder | undefined = node.next.get(keys[i]);
    if (child === undefined && keys[i].length <= KEY_ORDER_KEY_LENGTH_MAX) {
      // Full: start afresh (the shapes that matter come back at once) rather than freeze.
      if (keyOrderNodes >= KEY_ORDER_NODES_MAX) {
        KEY_ORDERS.next.clear();
        keyOrderNodes = 0;
        node = KEY_ORDERS;
        i = -1;
        continue;
      }
      child = { next: new Map() };
      node.next.set(keys[i], child);
      keyOrderNodes++;
    }
    node = child;
  }
  if (node?.sorted !== undefined) return node.sorted;
  const sorted = keys.sort();
  if (sorted.some((k) => INDEX_LIKE.test(k))) throw new IndexLikeKeys();
  if (node !== undefined) node.sorted = sorted;
  return sorted;
}

/** The general writer: every value in JavaScript, keys in code-unit order whatever they look like. */
function write(v: unknown, out: string[]): void {
  if (typeof v === 'number') out.push(JSON.stringify(finite(v)));
  else if (v === null || typeof v !== 'object') out.push(JSON.stringify(v));
  else if (typeof (v as { toJSON?: unknown }).toJSON === 'function') write((v as { toJSON: () => unknown }).toJSON(), out);
  else if (Array.isArray(v)) {
    out.push('[');
    v.forEach((item, i) => {
      if (i > 0) out.push(',');
      write(item === undefined || typeof item === 'symbol' || typeof item === 'function' ? null : item, out);
    });
    out.push(']');
  } else {
    const obj = v as Record<string, unknown>;
    out.push('{');
    let first = true;
    for (const key of Object.keys(obj).sort()) {
      const item = obj[key];
      if (item === undefined || typeof item === 'symbol' || typeof item === 'function') continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(key), ':');
      write(item, out);
    }
    out.push('}');
  }
}

interface KeyParts {
  /** Problem family: 'allocate' today, 'blocks' and 'pareto' later; keeps families apart. */
  kind: string;
  /** Version of the code that answers this kind: a new solver must not serve old answers. */
  solverVersion: string;
  /** The normalised problem (for allocate: normalize() output, instance + options). */
  input: unknown;
}

/**
 * sha256 (hex) of the canonical JSON of { kind, solverVersion, input }, long numeric arrays
 * written as the digest of their bytes (see compactNumbers).
 */
export function requestHash(parts: KeyParts): string {
  const text = canonical({ kind: parts.kind, solverVersion: parts.solverVersion, input: parts.input }, true);
  return createHash('sha256').update(text).digest('hex');
}

/** The store key of one answer; the kind up front keeps families apart when scanning a store. */
export function cacheKey(kind: string, hash: string): string {
  return `${kind}:${hash}`;
}

/**
 * An allocate request's hash in two steps, so that a Pareto sweep hashes its snapshot once: the
 * digest of the instance without its objective weights, then that digest with weights and options.
 */
function snapshotDigest(solverVersion: string, instance: { weights: unknown }): string {
  const { weights: _weights, ...snapshot } = instance;
  return requestHash({ kind: 'allocate', solverVersion, input: snapshot });
}

function allocateHash(digest: string, weights: unknown, options: unknown): string {
  return createHash('sha256')
    .update(digest)
    .update('\0')
    .update(canonicalJson({ weights, options: withoutRelativeGap(options) }))
    .digest('hex');
}

/**
 * The options without relativeGap: it says which answers a request accepts, not what the problem
 * is, so requests that differ only in it share a cache entry (served when its gap meets theirs).
 * Every kind hashes its options through this. A search-only solve (certify false, what-if
 * scenarios) keeps it: its search stops where it gains less than relativeGap, and its answer has
 * no gap the cache could hold against a stricter request.
 */
export function withoutRelativeGap(options: unknown): unknown {
  if (options === null || typeof options !== 'object' || !('relativeGap' in options)) return options;
  if ((options as { certify?: unknown }).certify === false) return options;
  const { relativeGap: _tolerance, ...rest } = options as Record<string, unknown>;
  return rest;
}

/** The hash of a normalised allocate input (instance + options). */
export function allocateRequestHash(solverVersion: string, input: { instance: { weights: unknown }; options: unknown }): string {
  return allocateHash(snapshotDigest(solverVersion, input.instance), input.instance.weights, input.options);
}
