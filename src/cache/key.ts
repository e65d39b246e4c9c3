// Cache keys: the same problem must hash the same however the request spelled it. Hashing the
// normalised input (defaults applied) in a canonical form (key order fixed as in RFC 8785 canonical
// JSON, long numbers as bytes: compactDigest) achieves both.
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
  return canonical(value);
}

function canonical(value: unknown): string {
  try {
    return JSON.stringify(sortedCopy(value, undefined));
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

/**
 * The compacted form a request hash digests: canonical JSON in which
 * - every non-empty array of numbers is a placeholder naming its length, its numbers going as
 *   float64 bytes to one buffer in the order the text names them (NumberBytes);
 * - every other array holding an object or array is a placeholder naming the sha256 of its own
 *   compacted form (text, NUL, bytes), remembered by identity for the call: a normalised instance's
 *   devices share their modes array (model/normalize.ts), which is then digested once, not 1,000 times;
 * - inside it, an array of objects that all have the same keys is a count and one column per key
 *   (columns()), so a numeric field of every device is bytes too and key names are written once.
 * Placeholders are strings led by NUL and a letter or digit; an input string led by NUL gets a
 * second one (escaped()), so no input can spell a placeholder. Which form a value takes depends on
 * its content only (never on key order or on which objects are shared): equal inputs, equal hashes.
 * (One exception, harmless: an object holding an undefined member is written row by row, so it may
 * hash apart from its JSON twin without that member: a cache miss, never a collision. Normalised
 * inputs hold none.)
 * Writing 50,000 gains as shortest decimal text, and walking 21,000 mode objects, were most of a
 * 1,000 × 50 request's hashing time (bench/request-overhead.ts).
 */
export function compactDigest(value: unknown): string {
  return digestOf(value, new Map());
}

/** sha256 (base64) of a value's compacted form; `known`: digests of arrays met before in this call. */
function digestOf(value: unknown, known: Map<object, string>): string {
  const compact: Compact = { numbers: new NumberBytes(), known };
  let text: string;
  try {
    text = JSON.stringify(sortedCopy(value, compact));
  } catch (e) {
    if (!(e instanceof IndexLikeKeys)) throw e;
    // Integer-like keys somewhere (never in a normalised instance): canonical JSON written piece
    // by piece, numbers as text. Which path a value takes depends on its content only.
    text = `${PLACEHOLDER}w${canonical(value)}`;
    compact.numbers = new NumberBytes();
  }
  return formDigest(text, compact.numbers);
}

/** sha256 (base64) of a compacted text, a NUL and its numbers' bytes. */
function formDigest(text: string, numbers: NumberBytes): string {
  // JSON text never holds a raw NUL (it escapes it), so text and bytes cannot run into each other.
  return createHash('sha256').update(text).update(PLACEHOLDER).update(numbers.bytes()).digest('base64');
}

interface Compact {
  numbers: NumberBytes;
  known: Map<object, string>;
}

/** The float64 bytes of a compacted form's numeric arrays, one after the other. */
class NumberBytes {
  private buffer = new Float64Array(64);
  private length = 0;

  /**
   * Appends `v`'s numbers (finite, -0 as 0, as canonical JSON writes it) and returns the text that
   * stands for them; undefined, appending nothing, when `v` holds anything but numbers.
   */
  add(v: readonly unknown[]): string | undefined {
    if (this.length + v.length > this.buffer.length) {
      const grown = new Float64Array(Math.max(2 * this.buffer.length, this.length + v.length));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
    }
    const b = this.buffer;
    let at = this.length;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x !== 'number') return undefined;
      // x - x is NaN for ±Infinity and NaN; + 0 turns -0 into 0.
      if (x - x !== 0) finite(x);
      b[at++] = x + 0;
    }
    this.length = at;
    return `${PLACEHOLDER}${v.length}`;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.buffer.buffer, 0, this.length * 8);
  }
}

/** Leads every placeholder of a compacted form (see compactDigest). */
const PLACEHOLDER = '\0';

/** An input string as a compacted form holds it: a leading NUL doubled. */
function escaped(s: string): string {
  return s.charCodeAt(0) === 0 ? PLACEHOLDER + s : s;
}

/** A copy with sorted keys for JSON.stringify; compacted (see compactDigest) when `compact` is given. */
function sortedCopy(v: unknown, compact: Compact | undefined): unknown {
  if (typeof v === 'number') return finite(v);
  if (typeof v === 'string') return compact === undefined ? v : escaped(v);
  if (v === null || typeof v !== 'object') return v;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return sortedCopy((v as { toJSON: () => unknown }).toJSON(), compact);
  if (Array.isArray(v)) {
    if (compact !== undefined && v.length > 0 && typeof v[0] === 'number') {
      const numbers = compact.numbers.add(v);
      if (numbers !== undefined) return numbers;
    }
    let flat = true;
    for (const item of v) {
      // A string that needs escaping makes the array one to copy.
      if ((item !== null && typeof item === 'object') || (compact !== undefined && typeof item === 'string' && item.charCodeAt(0) === 0))
        flat = false;
    }
    if (flat) {
      for (const item of v) if (typeof item === 'number') finite(item);
      return v;
    }
    if (compact === undefined) return v.map((item) => sortedCopy(item, undefined));
    if (!v.some((item) => item !== null && typeof item === 'object')) return v.map((item) => sortedCopy(item, compact));
    let digest = compact.known.get(v);
    if (digest === undefined) {
      const inner: Compact = { numbers: new NumberBytes(), known: compact.known };
      const form = columns(v, inner) ?? v.map((item) => sortedCopy(item, inner));
      digest = `${PLACEHOLDER}h${formDigest(JSON.stringify(form), inner.numbers)}`;
      compact.known.set(v, digest);
    }
    return digest;
  }
  const obj = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of sortedKeys(obj)) out[k] = sortedCopy(obj[k], compact);
  return out;
}

/**
 * An array of objects that all have the same keys (a request's devices, its servers) as a compacted
 * form writes it: a placeholder naming the count, then one column per key in code-unit order.
 * undefined when the objects differ in their keys (or one is not a plain object, or holds an
 * undefined, which JSON would drop): then they are written one by one. Depends on content only.
 */
function columns(v: unknown[], compact: Compact): [string, Record<string, unknown>] | undefined {
  let keys: string[] | undefined;
  for (const item of v) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
    if (typeof (item as { toJSON?: unknown }).toJSON === 'function') return undefined;
    const own = sortedKeys(item);
    if (keys === undefined) keys = own;
    else if (own !== keys && !sameKeys(own, keys)) return undefined;
  }
  if (keys === undefined) return undefined;
  // All columns gathered before any is copied: a bail-out must not leave numbers behind.
  const raw: unknown[][] = [];
  for (const key of keys) {
    const column = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = (v[i] as Record<string, unknown>)[key];
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') return undefined;
      column[i] = x;
    }
    raw.push(column);
  }
  const out: Record<string, unknown> = {};
  keys.forEach((key, k) => {
    out[key] = sortedCopy(raw[k], compact);
  });
  return [`${PLACEHOLDER}c${v.length}`, out];
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
 * sha256 (hex) of { kind, solverVersion, input } in compacted form (compactDigest): canonical, its
 * long numeric arrays and repeated structures written as bytes and digests.
 */
export function requestHash(parts: KeyParts): string {
  const digest = compactDigest({ kind: parts.kind, solverVersion: parts.solverVersion, input: parts.input });
  return createHash('sha256').update(digest).digest('hex');
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
