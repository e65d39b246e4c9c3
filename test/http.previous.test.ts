// POST /allocate with `previous`, options.migration and options.pinned, through the real stack
// (normalise, memory cache, one worker thread, solver): an earlier answer is sent back as it
// came, the answer says what moved, the cache key follows what changes the answer, and bad
// references are 400s naming the field, impossible pins 422s saying so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';

/** The example body, loosely typed so that tests can break it. */
interface Body {
  devices: { channelGains?: Record<string, number> }[];
  servers: { maxDevices?: number }[];
  options: Record<string, unknown>;
  previous?: unknown;
}
interface Allocation {
  deviceId: string;
  serverId: string;
  migrated: boolean;
  delayS: { migration: number; total: number };
  energyJ: { migration: number };
}

describe('POST /allocate after an earlier answer', () => {
  let app: App;
  let earlier: Allocation[];
  beforeAll(async () => {
    app = buildApp({ ...loadConfig({}), logLevel: 'silent', solverThreads: 1 });
    await app.ready();
    const res = await post(example());
    expect(res.statusCode, res.body).toBe(200);
    earlier = res.json().allocations;
  });
  afterAll(async () => {
    await app?.close();
  });

  const post = (payload: unknown) => app.inject({ method: 'POST', url: '/allocate', payload: payload as object });
  const example = (): Body => ({
    ...(structuredClone(ALLOCATE_REQUEST_EXAMPLE) as unknown as Body),
    options: { timeLimitMs: 2000, baselines: false },
  });
  /** One server's dual prices as an answer's `prices.servers` item has them. */
  const price = (serverId: string) => ({ serverId, bandwidthPerMHz: 1e-6, frequencyPerGHz: 1e-4, slot: 0 });
  /** ue-1 → es-2, ue-2 → es-1: the opposite of where the example's channels put them. */
  const swapped = () => [
    { deviceId: 'ue-1', serverId: 'es-2', splitLayer: 3, trainingMode: 'backprop' },
    { deviceId: 'ue-2', serverId: 'es-1' },
    { deviceId: 'ue-3', serverId: 'es-1' },
  ];

  it('takes an earlier answer back as it came (every field) and says what moved', async () => {
    const body = example();
    body.previous = { allocations: earlier };
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json();
    // the same instance, no cost to move: staying is optimal, nobody moves
    expect(answer.totals.migrations).toBe(0);
    expect(answer.allocations.map((a: Allocation) => a.migrated)).toEqual([false, false, false]);
    expect(answer.allocations.map((a: Allocation) => a.delayS.migration)).toEqual([0, 0, 0]);
  });

  it('a migration cost enters each moved device’s breakdown and the totals', async () => {
    const body = example();
    body.previous = { allocations: swapped() };
    body.options.migration = { delayS: 0.001, energyJ: 0.002 };
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json();
    const moved = answer.allocations.filter((a: Allocation) => a.migrated);
    expect(moved.length).toBe(answer.totals.migrations);
    expect(moved.length).toBeGreaterThan(0);
    for (const a of answer.allocations as Allocation[]) {
      const before = swapped().find((p) => p.deviceId === a.deviceId)!.serverId;
      expect(a.migrated).toBe(a.serverId !== before);
      expect(a.delayS.migration).toBe(a.migrated ? 0.001 : 0);
      expect(a.energyJ.migration).toBe(a.migrated ? 0.002 : 0);
    }
    expect(answer.totals.migrationDelayS).toBeCloseTo(0.001 * moved.length, 12);
    expect(answer.totals.migrationEnergyJ).toBeCloseTo(0.002 * moved.length, 12);
  });

  it('ignores devices gone since then and places new ones freely', async () => {
    const body = example();
    body.previous = { allocations: [{ deviceId: 'ue-9', serverId: 'es-1' }, ...swapped().slice(0, 2)] };
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(200);
    const ue3 = res.json().allocations.find((a: Allocation) => a.deviceId === 'ue-3');
    expect(ue3.migrated).toBe(false);
  });

  it('pinned devices keep their previous server', async () => {
    const body = example();
    body.previous = { allocations: swapped() };
    body.options.pinned = ['ue-1', 'ue-2'];
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(200);
    const byId = new Map(res.json().allocations.map((a: Allocation) => [a.deviceId, a.serverId]));
    expect(byId.get('ue-1')).toBe('es-2');
    expect(byId.get('ue-2')).toBe('es-1');
  });

  it('previous, migration and pinned enter the request hash; ignored fields do not', async () => {
    const hash = async (b: Body) => {
      const res = await post(b);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().requestHash as string;
    };
    const plain = example();
    const warm = { ...example(), previous: { allocations: swapped() } };
    const costly = { ...example(), previous: { allocations: swapped() }, options: { ...example().options, migration: { delayS: 0.001 } } };
    const pinned = { ...example(), previous: { allocations: swapped() }, options: { ...example().options, pinned: ['ue-3'] } };
    const noisy = { ...example(), previous: { allocations: swapped().map((a) => ({ ...a, bandwidthHz: 123, note: 'ignored' })) } };
    const hashes = [await hash(plain), await hash(warm), await hash(costly), await hash(pinned)];
    expect(new Set(hashes).size).toBe(4);
    expect(await hash(noisy)).toBe(hashes[1]);
  });

  it('takes dual prices back in previous.prices (servers gone since are ignored); they enter the request hash', async () => {
    const warm = { ...example(), previous: { allocations: swapped() } };
    const priced = { ...example(), previous: { allocations: swapped(), prices: { servers: [price('es-1'), price('gone')] } } };
    const a = await post(warm);
    const b = await post(priced);
    expect(b.statusCode, b.body).toBe(200);
    expect(b.json().objective).toBeCloseTo(a.json().objective, 12); // enumerated: the same optimum
    expect(b.json().requestHash).not.toBe(a.json().requestHash);
  });

  it('the Pareto endpoint takes previous too: every point says what moved', async () => {
    const body = {
      ...example(),
      objective: { normalize: true },
      previous: { allocations: swapped() },
      pareto: {
        weights: [
          { delay: 1, energy: 1, stability: 1 },
          { delay: 1, energy: 0, stability: 0 },
        ],
      },
    };
    body.options.migration = { delayS: 0.001 };
    const res = await app.inject({ method: 'POST', url: '/allocate/pareto', payload: body as object });
    expect(res.statusCode, res.body).toBe(200);
    const points = res.json().points as { totals: { migrations: number }; allocations: Allocation[] }[];
    for (const point of points) expect(point.totals.migrations).toBe(point.allocations.filter((a) => a.migrated).length);
    expect(points.some((p) => p.totals.migrations > 0)).toBe(true);
  });

  const bad: [string, (b: Body) => void, string, RegExp][] = [
    [
      'an unknown server id',
      (b) => (b.previous = { allocations: [swapped()[0], { deviceId: 'ue-2', serverId: 'es-7' }] }),
      'previous.allocations[1].serverId',
      /unknown server id/,
    ],
    [
      'a device listed twice',
      (b) => (b.previous = { allocations: [swapped()[0], swapped()[0]] }),
      'previous.allocations[1].deviceId',
      /duplicate/,
    ],
    [
      'a pinned device without a previous server',
      (b) => ((b.previous = { allocations: swapped().slice(0, 2) }), (b.options.pinned = ['ue-3'])),
      'options.pinned[0]',
      /no server in previous/,
    ],
    ['a pin without previous', (b) => (b.options.pinned = ['ue-1']), 'options.pinned[0]', /previous/],
    [
      'a pinned unknown device',
      (b) => ((b.previous = { allocations: swapped() }), (b.options.pinned = ['ue-1', 'ue-0'])),
      'options.pinned[1]',
      /unknown device id/,
    ],
    [
      'a negative migration delay',
      (b) => ((b.previous = { allocations: swapped() }), (b.options.migration = { delayS: -1 })),
      'options.migration.delayS',
      /./,
    ],
    ['an item without serverId', (b) => (b.previous = { allocations: [{ deviceId: 'ue-1' }] }), 'previous.allocations[0].serverId', /./],
    [
      'a negative price',
      (b) => (b.previous = { allocations: swapped(), prices: { servers: [{ ...price('es-1'), frequencyPerGHz: -1 }] } }),
      'previous.prices.servers[0].frequencyPerGHz',
      /./,
    ],
    [
      'prices named twice for one server',
      (b) => (b.previous = { allocations: swapped(), prices: { servers: [price('es-1'), price('es-1')] } }),
      'previous.prices.servers[1].serverId',
      /duplicate/,
    ],
  ];
  for (const [what, edit, field, reason] of bad) {
    it(`400 for ${what}, naming ${field}`, async () => {
      const body = example();
      edit(body);
      const res = await post(body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().field).toBe(field);
      expect(res.json().reason).toMatch(reason);
    });
  }

  it('422 when a pin cannot hold: no channel to the previous server', async () => {
    const body = example();
    body.devices[0].channelGains = { 'es-1': 1.2e-9 }; // ue-1 no longer reaches es-2
    body.previous = { allocations: swapped() };
    body.options.pinned = ['ue-1'];
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().infeasibilities).toContainEqual(expect.objectContaining({ constraint: 'pinned', deviceIds: ['ue-1'] }));
  });

  it('422 when a pin cannot hold: more pins than the server takes', async () => {
    const body = example();
    body.servers[0].maxDevices = 1;
    body.previous = { allocations: swapped() };
    body.options.pinned = ['ue-2', 'ue-3'];
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(422);
    const pin = res.json().infeasibilities.find((x: { constraint: string }) => x.constraint === 'pinned');
    expect(pin.deviceIds).toEqual(['ue-2', 'ue-3']);
    expect(pin.detail).toMatch(/es-1/);
  });
});
