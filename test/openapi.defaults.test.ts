// Every `default` the OpenAPI document states is the default the service applies: a request that
// leaves the field out and one that sends the documented value normalise to the same problem.
import { describe, expect, it } from 'vitest';
import { normalizeBlocksRequest } from '../src/blocks/normalize.js';
import type { BlocksRequest } from '../src/blocks/request.js';
import { normalize } from '../src/model/normalize.js';
import type { AllocateRequest } from '../src/model/request.js';
import { ALLOCATE_REQUEST_EXAMPLE } from '../src/schemas/allocate.js';
import { BLOCKS_REQUEST_EXAMPLE } from '../src/schemas/blocks.js';
import { DOCUMENTED_DEFAULTS } from '../src/schemas/defaults.js';

type Obj = Record<string, unknown>;

/** Where each component sits in a request body. */
const LOCATIONS: Record<string, { example: () => Obj; at: (body: Obj) => Obj; normalise: (body: Obj) => unknown }> = {
  ModelSpec: { example: allocateBody, at: (b) => b.model as Obj, normalise: (b) => normalize(b as unknown as AllocateRequest) },
  DeviceSpec: { example: allocateBody, at: (b) => (b.devices as Obj[])[0], normalise: (b) => normalize(b as unknown as AllocateRequest) },
  ChannelSpec: {
    example: allocateBody,
    at: (b) => (b.channel ??= {}) as Obj,
    normalise: (b) => normalize(b as unknown as AllocateRequest),
  },
  ObjectiveSpec: {
    example: allocateBody,
    at: (b) => (b.objective ??= {}) as Obj,
    normalise: (b) => normalize(b as unknown as AllocateRequest),
  },
  OptionsSpec: {
    example: allocateBody,
    at: (b) => (b.options ??= {}) as Obj,
    normalise: (b) => normalize(b as unknown as AllocateRequest),
  },
  TransformerBlocksModel: {
    example: blocksBody,
    at: (b) => b.model as Obj,
    normalise: (b) => normalizeBlocksRequest(b as unknown as BlocksRequest),
  },
  BlocksOptionsSpec: {
    example: blocksBody,
    at: (b) => (b.options ??= {}) as Obj,
    normalise: (b) => normalizeBlocksRequest(b as unknown as BlocksRequest),
  },
};

function allocateBody(): Obj {
  return structuredClone(ALLOCATE_REQUEST_EXAMPLE) as unknown as Obj;
}
function blocksBody(): Obj {
  return structuredClone(BLOCKS_REQUEST_EXAMPLE) as unknown as Obj;
}

/** Sets (or, with value undefined, deletes) a dotted path, creating objects on the way. */
function put(target: Obj, path: string, value: unknown): void {
  const names = path.split('.');
  let node = target;
  for (const name of names.slice(0, -1)) node = (node[name] ??= {}) as Obj;
  const last = names[names.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

const cases = Object.entries(DOCUMENTED_DEFAULTS)
  .filter(([component]) => component !== 'ParetoObjectiveSpec') // ObjectiveSpec's fields, minus weights
  .flatMap(([component, defaults]) => Object.entries(defaults).map(([path, value]) => [component, path, value] as const));

describe('documented defaults', () => {
  it('cover every component that documents one', () => {
    expect(Object.keys(LOCATIONS).sort()).toEqual(
      Object.keys(DOCUMENTED_DEFAULTS)
        .filter((c) => c !== 'ParetoObjectiveSpec')
        .sort(),
    );
    expect(DOCUMENTED_DEFAULTS.ParetoObjectiveSpec).toEqual({
      normalize: DOCUMENTED_DEFAULTS.ObjectiveSpec.normalize,
      lipschitz: DOCUMENTED_DEFAULTS.ObjectiveSpec.lipschitz,
      includeUplinkDelay: DOCUMENTED_DEFAULTS.ObjectiveSpec.includeUplinkDelay,
    });
  });

  it.each(cases)('%s.%s = %j is what leaving it out means', (component, path, value) => {
    const where = LOCATIONS[component];
    const omitted = where.example();
    put(where.at(omitted), path, undefined);
    const given = where.example();
    put(where.at(given), path, value);
    expect(where.normalise(given)).toEqual(where.normalise(omitted));
  });

  it('would notice a wrong one', () => {
    const omitted = allocateBody();
    put(LOCATIONS.OptionsSpec.at(omitted), 'seed', undefined);
    const given = allocateBody();
    put(LOCATIONS.OptionsSpec.at(given), 'seed', 2);
    expect(normalize(given as unknown as AllocateRequest)).not.toEqual(normalize(omitted as unknown as AllocateRequest));
  });
});
