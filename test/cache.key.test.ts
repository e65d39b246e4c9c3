import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import canonicalizeModule from 'canonicalize';
import { allocateRequestHash, cacheKey, canonicalJson, keyOrderNodeCount, requestHash } from '../src/cache/key.js';
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

  it('hashes a large normalised instance by its content only: key order and shared objects do not count', () => {
    const input = normalize(generateRequest(5, { devices: 300, servers: 60 }));
    const reference = allocateRequestHash(VERSION, input);
    // normalize shares one modes list among devices; a deep copy shares nothing.
    expect(input.instance.devices[0].modes).toBe(input.instance.devices[1].modes);
    const copy = JSON.parse(JSON.stringify(input)) as typeof input;
    expect(allocateRequestHash(VERSION, copy)).toBe(reference);
    // Every object's keys in a random order of its own (devices no longer share one key order).
    let state = 7;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const shuffled = reorderKeys(copy, (keys) =>
      keys
        .map((k) => [random(), k] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, k]) => k),
    ) as typeof input;
    expect(Object.keys(shuffled.instance.devices[0])).not.toEqual(Object.keys(input.instance.devices[0]));
    expect(allocateRequestHash(VERSION, shuffled)).toBe(reference);
    // relativeGap is not part of the problem.
    expect(allocateRequestHash(VERSION, { ...input, options: { ...input.options, relativeGap: 0.01 } })).toBe(reference);
  });

  it('tells apart large instances that differ in one number, one null, one mode or the order of two devices', () => {
    const fresh = () => normalize(generateRequest(6, { devices: 200, servers: 50 }));
    const variants: ((input: ReturnType<typeof fresh>) => void)[] = [
      () => {},
      (input) => {
        const d = input.instance.devices[199];
        d.gains = [...d.gains.slice(0, 49), d.gains[49] * (1 + 2 ** -50)];
      },
      (input) => {
        input.instance.devices[7].deadlineS = 5;
      },
      (input) => {
        input.instance.devices[7].memoryBytes = 5;
      },
      (input) => {
        input.instance.devices[3] = { ...input.instance.devices[3], modes: input.instance.devices[3].modes.slice(1) };
      },
      (input) => {
        const ds = input.instance.devices;
        [ds[10], ds[11]] = [ds[11], ds[10]];
      },
      (input) => {
        input.instance.servers[49] = { ...input.instance.servers[49], bandwidthHz: input.instance.servers[49].bandwidthHz + 1 };
      },
      (input) => {
        input.instance.weights = { ...input.instance.weights, energy: 2 };
      },
    ];
    const hashes = variants.map((change) => {
      const input = fresh();
      change(input);
      return allocateRequestHash(VERSION, input);
    });
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('cannot be spoofed by strings that look like the compact form, and hashes -0 as 0', () => {
    const h = (input: unknown) => requestHash({ kind: 'k', solverVersion: VERSION, input });
    const pairs: [unknown, unknown][] = [
      [{ a: [1, 2, 3] }, { a: '\u00003' }],
      [{ a: [1, 2, 3] }, { a: ['\u00003'] }],
      [{ a: [{ x: 1 }, { x: 2 }] }, { a: ['\u0000c2', { x: '\u00002' }] }],
      [
        { a: [1], b: [2, 3] },
        { a: [1, 2], b: [3] },
      ],
      [{ a: [[1, 2]] }, { a: [[1], [2]] }],
      [{ a: [{ x: 1 }, { y: 1 }] }, { a: [{ x: 1, y: 1 }] }],
      [{ a: [{ x: 1 }, { x: null }] }, { a: [{ x: 1 }, {}] }],
    ];
    for (const [x, y] of pairs) expect(h(x)).not.toBe(h(y));
    expect(h({ a: [0, -0, 1] })).toBe(h({ a: [-0, 0, 1] }));
    expect(() => h({ a: [1, Infinity] })).toThrow(TypeError);
    expect(() => h({ a: [{ x: 1 }, { x: NaN }] })).toThrow(TypeError);
    // Integer-like keys take the piece-by-piece path, in any key order.
    expect(h({ b: { '1': [1, 2], '0': 'x' } })).toBe(h({ b: { '0': 'x', '1': [1, 2] } }));
  });

  it('keeps problem kinds apart in store keys', () => {
    expect(cacheKey('allocate', 'abc')).toBe('allocate:abc');
    expect(cacheKey('blocks', 'abc')).not.toBe(cacheKey('allocate', 'abc'));
  });
});
