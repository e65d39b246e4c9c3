// Strict JSON body parsing. Replaces Fastify's default parser for two reasons:
// - JSON.parse turns 1e999 into Infinity and Ajv's `number` accepts it, so non-finite numbers must be
//   rejected here, naming the field;
// - the default parser hides where the syntax error is; callers deserve the position.
// Prototype-poisoning keys are refused too, which the default parser (secure-json-parse) also did.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const bodyDigests = new WeakMap<FastifyRequest, string>();

/** sha256 of the request's JSON body as received (undefined when it had none). */
export function bodyDigest(request: FastifyRequest): string | undefined {
  return bodyDigests.get(request);
}

/** A 400 raised while reading the body, before schema validation. */
export class BodyError extends Error {
  readonly statusCode = 400;
  constructor(
    readonly code: 'INVALID_JSON' | 'NON_FINITE_NUMBER' | 'FORBIDDEN_KEY',
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'BodyError';
  }
}

/** The name used for the whole body in `field`. */
export const BODY_FIELD = 'body';

/** JSON path in the style InputError uses: devices[0].channelGains.es-1 */
export function formatPath(segments: readonly (string | number)[]): string {
  let path = '';
  for (const s of segments) {
    if (typeof s === 'number') path += `[${s}]`;
    else path += path === '' ? s : `.${s}`;
  }
  return path === '' ? BODY_FIELD : path;
}

interface Frame {
  value: unknown;
  parent: Frame | undefined;
  key: string | number | undefined;
}

function pathOf(frame: Frame): string {
  const segments: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) segments.push(f.key);
  return formatPath(segments.reverse());
}

/** The keys secure-json-parse (Fastify's default) refuses: __proto__, and constructor.prototype. */
function isPoisonKey(key: string, value: unknown): boolean {
  if (key === '__proto__') return true;
  return key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype');
}

/**
 * Throws BodyError at the first non-finite number or forbidden key. Iterative, so deeply nested
 * input cannot overflow the stack; paths are built only on failure, so large bodies stay cheap.
 */
export function assertPlainFiniteJson(root: unknown): void {
  const stack: Frame[] = [{ value: root, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value } = frame;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new BodyError('NON_FINITE_NUMBER', pathOf(frame), 'must be a finite number');
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], parent: frame, key: i });
    } else if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value)) {
        const child: Frame = { value: (value as Record<string, unknown>)[key], parent: frame, key };
        if (isPoisonKey(key, child.value)) throw new BodyError('FORBIDDEN_KEY', pathOf(child), `property name '${key}' is not allowed`);
        stack.push(child);
      }
    }
  }
}

export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const reason = text.trim() === '' ? 'is empty; expected a JSON object' : `invalid JSON: ${(err as Error).message}`;
    throw new BodyError('INVALID_JSON', BODY_FIELD, reason);
  }
  assertPlainFiniteJson(value);
  return value;
}

/** Install the strict parser in place of Fastify's default application/json parser. */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      const value = parseJsonBody(body as string);
      // The bytes' digest lets a repeated body find its cached answer without re-serialising it.
      bodyDigests.set(request, createHash('sha256').update(body as string).digest('base64'));
      done(null, value);
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
