// Shared schema atoms: positions, breakdowns, totals and the error answer (Problem). Each carries an $id;
// @fastify/swagger turns every $id into a named component.
//
// Most schemas are embedded by value. An $id may appear only once inside one compiled schema (Ajv
// 8.20 throws "reference resolves to more than one schema" otherwise), so the atoms a single body
// uses twice (Position: device and server; Totals: totals, reference, baselines; Problem:
// several status codes) are registered
// once with app.addSchema (SHARED_SCHEMAS) and referenced through refTo, which keeps the static
// type that Type.Ref would lose.
import Type, { type Static, type TSchema } from 'typebox';

/** `{ $ref: id }` to a schema in SHARED_SCHEMAS, typed like the schema itself. */
export function refTo<T extends TSchema>(schema: T) {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('refTo: the target schema needs an $id');
  return Type.Unsafe<Static<T>>({ $ref: id });
}

export const PositionSchema = Type.Object(
  {
    xM: Type.Number({ minimum: -1e6, maximum: 1e6, description: 'x coordinate, metres' }),
    yM: Type.Number({ minimum: -1e6, maximum: 1e6, description: 'y coordinate, metres' }),
  },
  { $id: 'Position', additionalProperties: false, description: 'Planar position in metres' },
);

export const DelayBreakdownSchema = Type.Object(
  {
    local: Type.Number({ description: 'on-device part, seconds' }),
    uplink: Type.Number({ description: 'activation upload, seconds' }),
    edge: Type.Number({ description: 'edge-server part, seconds' }),
    migration: Type.Number({ description: 'one change of server since `previous` (options.migration.delayS), else 0, seconds' }),
    total: Type.Number({
      description: 'local + uplink + edge + migration, seconds (uplink left out when objective.includeUplinkDelay is false)',
    }),
  },
  { $id: 'DelayBreakdown', additionalProperties: false, description: 'Per-iteration delay of one device, seconds' },
);

export const EnergyBreakdownSchema = Type.Object(
  {
    local: Type.Number({ description: 'on-device computation, joules' }),
    uplink: Type.Number({ description: 'transmission, joules' }),
    edge: Type.Number({ description: 'edge-server computation, joules' }),
    migration: Type.Number({ description: 'one change of server since `previous` (options.migration.energyJ), else 0, joules' }),
    total: Type.Number({ description: 'local + uplink + edge + migration, joules' }),
  },
  { $id: 'EnergyBreakdown', additionalProperties: false, description: 'Per-iteration energy of one device, joules' },
);

export const TotalsSchema = Type.Object(
  {
    delayS: Type.Number({ description: 'sum of device delays, seconds' }),
    energyJ: Type.Number({ description: 'sum of device energies, joules' }),
    stability: Type.Number({ description: 'sum of stability bounds (dimensionless)' }),
    migrations: Type.Optional(Type.Integer({ minimum: 0, description: 'devices whose server changed since `previous`' })),
    migrationDelayS: Type.Optional(Type.Number({ description: "the migrations' part of delayS, seconds" })),
    migrationEnergyJ: Type.Optional(Type.Number({ description: "the migrations' part of energyJ, joules" })),
  },
  { $id: 'Totals', additionalProperties: false, description: 'Sums over all devices (docs/model.md §1.3)' },
);

/**
 * Every 4xx/5xx body (but 422's, which carries the solve): RFC 9457 problem details, sent as
 * application/problem+json. 400s always name the field (JSON path like devices[0].kappa) and reason.
 */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      format: 'uri',
      description: 'the problem type, one URI per `code` (https://edge-allocator.dev/problems/<code>; see docs/input-validation.md)',
    }),
    title: Type.String({ description: 'short summary of the problem type, the same for every occurrence of `code`' }),
    status: Type.Integer({ minimum: 400, maximum: 599, description: 'HTTP status code' }),
    detail: Type.String({ description: 'what went wrong with this request, human-readable' }),
    instance: Type.Optional(
      Type.String({ format: 'uri-reference', description: 'the request path (absent when the request could not be parsed)' }),
    ),
    code: Type.String({ description: 'stable machine-readable error code, e.g. INVALID_BODY' }),
    field: Type.Optional(Type.String({ description: 'offending field as a JSON path, e.g. devices[0].kappa' })),
    reason: Type.Optional(Type.String({ description: 'what is wrong with the field, e.g. "must be number"' })),
    retryAfterS: Type.Optional(
      Type.Integer({ description: 'on 503 and 429: seconds to wait before retrying (also the Retry-After header)' }),
    ),
    requestId: Type.String({ description: 'id of the request (the x-request-id header): quote it when reporting a problem' }),
  },
  {
    $id: 'Problem',
    additionalProperties: false,
    description: 'Error answer: RFC 9457 problem details with the extension members code, field, reason, retryAfterS and requestId',
  },
);
export type Problem = Static<typeof ProblemSchema>;

/**
 * The RFC 9457 members of a 422 (infeasible) answer; the solve's fields follow as extension members
 * (its solve status INFEASIBLE is the problem's `code`).
 */
export const InfeasibleProblemProperties = {
  type: Type.String({ format: 'uri', description: 'https://edge-allocator.dev/problems/infeasible' }),
  title: Type.String({ description: 'The instance cannot be satisfied' }),
  status: Type.Literal(422, { description: 'HTTP status code' }),
  detail: Type.String({ description: 'what went wrong, human-readable' }),
  instance: Type.Optional(Type.String({ format: 'uri-reference', description: 'the request path (absent in a job result)' })),
  code: Type.Literal('INFEASIBLE', { description: 'always INFEASIBLE (the solve status)' }),
};

/** A result's properties without its solve `status` (which a 422 problem's HTTP `status` replaces). */
export function withoutStatus<T extends { status: unknown }>(properties: T): Omit<T, 'status'> {
  const { status: _status, ...rest } = properties;
  return rest;
}

/** Registered with app.addSchema before any route, so refTo targets resolve. */
export const SHARED_SCHEMAS = [PositionSchema, TotalsSchema, ProblemSchema] as const;

/**
 * An error response documented under its own description: the one Problem component (the document
 * lists every 4xx/5xx body under application/problem+json: see withProblemContent).
 */
export const errorResponse = (description: string, headers?: Record<string, object>) =>
  Type.Unsafe<Problem>({ ...refTo(ProblemSchema), description, ...(headers ? { headers } : {}) });

// ---------------------------------------------------------------------------------------------
// Compile-time drift checks between a schema's static type and the plain-data type it mirrors.

/** True only when A and B are mutually assignable, recursively (optional fields included). */
export type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? DeepKeys<A> extends DeepKeys<B>
      ? DeepKeys<B> extends DeepKeys<A>
        ? true
        : false
      : false
    : false
  : false;
/** Every property path of T ("devices.position.xM"), so an optional field missing on one side shows up. */
export type DeepKeys<T> = T extends readonly (infer E)[]
  ? DeepKeys<E>
  : T extends object
    ? { [K in keyof T & string]-?: K | `${K}.${DeepKeys<NonNullable<T[K]>>}` }[keyof T & string]
    : never;
/** Fails to compile unless T is true. */
export type Expect<T extends true> = T;

/** options.relativeGap of /allocate and /allocate/pareto (and their jobs): one knob for the stop and the cache. */
export const RelativeGapOption = Type.Optional(
  Type.Number({
    minimum: 0,
    maximum: 1,
    description:
      'the solve stops as soon as (objective − bound) / objective ≤ relativeGap (status OPTIMAL, termination GAP); 0: only when the ' +
      'search ends or time runs out. ' +
      'A cached answer is served when it is final or its gap is at most this. Default 0.0001. gapTolerance is its former name, still ' +
      'accepted (relativeGap wins). ' +
      'Not part of the problem (requestHash ignores it)',
  }),
);
