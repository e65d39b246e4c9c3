// The default of every optional request field whose default is a constant, for the OpenAPI
// document (in the field's description). Documentation only: the normalisers apply defaults (one place, src/model/defaults.ts),
// and test/openapi.defaults.test.ts checks that leaving a field out and sending its documented
// default normalise to the same problem. Kept beside the schemas rather than in them so the
// values come from DEFAULTS and Ajv never inserts anything into a body.
import { DEFAULTS } from '../model/defaults.js';

/** Component name → property path (dots through nested objects) → default value. */
export const DOCUMENTED_DEFAULTS: Record<string, Record<string, unknown>> = {
  ModelSpec: {
    bytesPerActivation: DEFAULTS.bytesPerActivation,
    adapterRank: DEFAULTS.adapterRank,
    zerothOrderStepMultiplier: DEFAULTS.zerothOrderStepMultiplier,
  },
  DeviceSpec: {
    minFrequencyHz: 0,
    minPowerW: 0,
    minSplitLayer: 1,
    inferenceOnly: false,
    trainingMode: 'auto',
    callOverheadS: DEFAULTS.callOverheadS,
  },
  ChannelSpec: { noiseDbmPerHz: DEFAULTS.noiseDbmPerHz },
  ObjectiveSpec: {
    'weights.delay': DEFAULTS.weights.delay,
    'weights.energy': DEFAULTS.weights.energy,
    'weights.stability': DEFAULTS.weights.stability,
    normalize: DEFAULTS.normalize,
    lipschitz: DEFAULTS.lipschitz,
    includeUplinkDelay: DEFAULTS.includeUplinkDelay,
  },
  ParetoObjectiveSpec: {
    normalize: DEFAULTS.normalize,
    lipschitz: DEFAULTS.lipschitz,
    includeUplinkDelay: DEFAULTS.includeUplinkDelay,
  },
  OptionsSpec: {
    timeLimitMs: DEFAULTS.timeLimitMs,
    baselines: DEFAULTS.baselines,
    algorithm: DEFAULTS.algorithm,
    seed: DEFAULTS.seed,
  },
  TransformerBlocksModel: { bytesPerActivation: DEFAULTS.bytesPerActivation, adapterRank: DEFAULTS.adapterRank },
  BlocksOptionsSpec: { timeLimitMs: DEFAULTS.timeLimitMs, baselines: DEFAULTS.baselines },
};

type Json = Record<string, unknown>;

/**
 * States the default of each documented property in its description ("default: X"), unless the
 * description already names one. Not as the `default` keyword: client generators (openapi-typescript
 * with its default settings) make a property with a `default` required in a named component, and
 * these components are request bodies, where a default means the field may be left out.
 */
export function withDocumentedDefaults(document: Json): Json {
  const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  for (const [component, defaults] of Object.entries(DOCUMENTED_DEFAULTS)) {
    for (const [path, value] of Object.entries(defaults)) {
      let node: Json | undefined = schemas[component];
      for (const name of path.split('.')) node = (node?.properties as Record<string, Json> | undefined)?.[name];
      if (node === undefined) throw new Error(`documented default for ${component}.${path}: no such property`);
      const description = typeof node.description === 'string' ? node.description : '';
      if (!/\bdefault\b/i.test(description)) node.description = `${description}${description ? '; ' : ''}default ${JSON.stringify(value)}`;
    }
  }
  return document;
}
