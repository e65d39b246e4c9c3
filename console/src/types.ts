// Shapes the console reads: the service's own request and answer types (type-only imports, erased
// by the bundler), plus what the HTTP layer adds (cache, requestHash).
import type { BlocksRequest } from '../../src/blocks/request.js';
import type { BlocksResult } from '../../src/blocks/types.js';
import type { AllocateRequest } from '../../src/model/request.js';
import type { AllocateResult, Weights } from '../../src/model/types.js';
import type { ParetoRequest, ParetoResult } from '../../src/solve/types.js';

export type { AllocateRequest, BlocksRequest, ParetoRequest, ParetoResult, Weights };

interface Served {
  cache: 'hit' | 'miss';
  requestHash: string;
}

export type AllocateAnswer = AllocateResult & Served;
export type BlocksAnswer = BlocksResult & Served;

/** One answer on screen: what was sent and what came back. */
export type Shown =
  | { kind: 'allocate'; request: AllocateRequest; answer: AllocateAnswer; title: string }
  | { kind: 'blocks'; request: BlocksRequest; answer: BlocksAnswer; title: string };

/** A bundled example (written by scripts/build-console.ts into examples.json). */
export interface Example {
  id: string;
  label: string;
  body: AllocateRequest | BlocksRequest;
}
