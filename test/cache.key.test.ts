import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import canonicalizeModule from 'canonicalize';
import { cacheKey, canonicalJson, keyOrderNodeCount, requestHash } from '../src/cache/key.js';
import { generateRequest } from '../src/model/generator.js';
import { normalize } from '../src/model/normalize.js';
import type { AllocateRequest } from '../src/model/request.js';
import { smallRequest, smallRequestWithExplicitDefaults } from './fixtures/allocate-requests.js';

const VERSION = '1.0.0';
const hashOf = (req: AllocateRequest, kind = 'allocate', solverVersion = VERSION) =>
  requestHash({ kind, solverVersion, input: normalize(req) });

/** Deep copy whose object keys are inserted in the order `order` picks (arrays keep their order). */
function reorderKeys(value: unknown, order: (keys: string[]) => string[]): unknown {
  if (Array.isArray(value)) return value.map((v) => reorderKeys(v, order));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of order(Object.keys(value))) out[k] = reorderKeys((value as Record<string, unknown>)[k], order);
  return out;
}

// The reference implementation of RFC 8785 (CommonJS; its default import is the function).
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

describe('canonicalJson', () => {
  it('sorts each shape of object on its own, whatever its keys hold (the sort is remembered per key list)', () => {
    // Key lists that a joined string would confuse (a separator inside a key), seen one after the other.
    const values = [
      { 'a\0': 1, b: 2 },
      { a: 1, '\0b': 2 },
      { b: 1, a: 2 },
      {
        b: 1,
        a: 2,
        c: [
          { y: 1, x: 2 },
          { x: 3, y: 4 },
        ],
      },
      { a: 1, '\0b': 2, '1': 3 },
    ];
    for (let round = 0; round < 2; round++) for (const v of values) expect(canonicalJson(v)).toBe(canonicalize(v));
  });

  it('remembers only instance-like shapes, and a bounded number of them (client keys cannot pin memory)', () => {
    const before = keyOrderNodeCount();
    const long = 'k'.repeat(100);
    for (let i = 0; i < 50; i++) {
      const v = { [`${long}${i}`]: 1, a: 2 };
      expect(canonicalJson(v)).toBe(canonicalize(v));
    }
    const wide = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`w${i}`, i]));
    expect(canonicalJson(wide)).toBe(canonicalize(wide));
    // Neither a long key nor a 40-key object adds a node.
    expect(keyOrderNodeCount()).toBe(before);
    // Many distinct short shapes: the trie starts afresh when full instead of growing or freezing.
    for (let i = 0; i < 5000; i++) {
      const v = { [`s${i}`]: 1, t: 2 };
      expect(canonicalJson(v)).toBe(canonicalize(v));
      expect(keyOrderNodeCount()).toBeLessThanOrEqual(4096);
    }
    const shape = { z: 1, y: 2 };
    canonicalJson(shape);
    const count = keyOrderNodeCount();
    expect(canonicalJson({ z: 3, y: 4 })).toBe('{"y":4,"z":3}');
    expect(keyOrderNodeCount()).toBe(count);
  });

  it('equals the canonicalize package on arbitrary JSON, integer-like keys included', () => {
    const keys = fc.oneof(fc.string(), fc.constantFrom('0', '1', '2', '10', '01', 'a', 'B', 'é', '\ud83d\ude00'));
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.string(),
        tie('array'),
        tie('object'),
      ),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.dictionary(keys, tie('value'), { maxKeys: 6 }),
    })).value;
    fc.assert(
      fc.property(json, (v) => {
        expect(canonicalJson(v)).toBe(canonicalize(v));
      }),
      { numRuns: 500 },
    );
  });

  it('equals it on a normalised 200-device instance and rejects non-finite numbers', () => {
    const input = normalize(generateRequest(3, { devices: 200, servers: 20 }));
    expect(canonicalJson(input)).toBe(canonicalize(input));
    expect(() => canonicalJson({ a: [1, Infinity] })).toThrow(TypeError);
    expect(() => canonicalJson({ a: { b: NaN } })).toThrow(TypeError);
  });
});

describe('requestHash', () => {
  it('is a sha256 hex digest', () => {
    expect(hashOf(smallRequest())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores key order at every depth (any permutation)', () => {
    const reference = hashOf(smallRequest());
    fc.assert(
      fc.property(fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), (randoms) => {
        const shuffle = (keys: string[]) =>
          keys
            .map((k) => [randoms.next().value, k] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, k]) => k);
        const shuffled = reorderKeys(smallRequest(), shuffle) as AllocateRequest;
        expect(hashOf(shuffled)).toBe(reference);
      }),
      { numRuns: 50 },
    );
    expect(hashOf(reorderKeys(smallRequest(), (keys) => [...keys].reverse()) as AllocateRequest)).toBe(reference);
  });

  it('treats spelled-out defaults as the defaults (hash of the normalised problem)', () => {
    expect(hashOf(smallRequestWithExplicitDefaults())).toBe(hashOf(smallRequest()));
  });

  it('changes with the problem, the kind and the solver version', () => {
    const reference = hashOf(smallRequest());
    const otherGain = smallRequest();
    otherGain.devices[0].channelGains = { 'es-1': 1.3e-9, 'es-2': 3e-11 };
    const otherLimit = smallRequest();
    otherLimit.options = { ...otherLimit.options, timeLimitMs: 1000 };
    const hashes = [
      reference,
      hashOf(otherGain),
      hashOf(otherLimit),
      hashOf(smallRequest(), 'pareto'),
      hashOf(smallRequest(), 'allocate', '1.0.1'),
    ];
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('keeps problem kinds apart in store keys', () => {
    expect(cacheKey('allocate', 'abc')).toBe('allocate:abc');
    expect(cacheKey('blocks', 'abc')).not.toBe(cacheKey('allocate', 'abc'));
  });
});
