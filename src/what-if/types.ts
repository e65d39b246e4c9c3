// POST /allocate/what-if: an /allocate snapshot plus scenarios of capacity changes, each solved
// warm from the base answer. Plain data shared by the schema, the runner and the service.
import type { AllocateRequest, ServerSpec } from '../model/request.js';
import type { AllocateResult, InfeasibilityOut, SolveStatus, Totals } from '../model/types.js';

export type ScenarioChange =
  | { op: 'scaleBandwidth'; serverId: string; factor: number }
  | { op: 'scaleFrequency'; serverId: string; factor: number }
  | { op: 'removeServer'; serverId: string }
  | { op: 'addServer'; server: ServerSpec }
  | { op: 'removeDevices'; deviceIds: string[] };

export interface Scenario {
  name: string;
  changes: ScenarioChange[];
}

export interface WhatIfRequest extends AllocateRequest {
  scenarios: Scenario[];
}

export interface Migration {
  deviceId: string;
  fromServerId: string;
  toServerId: string;
}

/** Objective and totals of a scenario minus the base's, all on the base snapshot's scales. */
export interface ScenarioDelta {
  objective: number;
  delayS: number;
  energyJ: number;
  stability: number;
}

export interface ScenarioOutcome {
  name: string;
  status: SolveStatus;
  limit?: 'TIME';
  /** on the scenario's own scales (its own reference point), as POST /allocate would answer */
  objective?: number;
  totals?: Totals;
  delta?: ScenarioDelta;
  /** devices (in both) whose server differs from the base answer's */
  migrations: Migration[];
  infeasibilities?: InfeasibilityOut[];
  cache: 'hit' | 'miss';
  requestHash: string;
}

export interface WhatIfResult {
  base: AllocateResult & { cache: 'hit' | 'miss'; requestHash: string };
  scenarios: ScenarioOutcome[];
  /** wall-clock time of the whole request, milliseconds */
  solveTimeMs: number;
}
