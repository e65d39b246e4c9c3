// Strict JSON body parsing. Replaces Fastify's default parser for two reasons:
// - JSON.parse turns 1e999 into Infinity and Ajv's `number` accepts it, so non-finite numbers must be
//   rejected here, naming the field;
// - the default parser hides where the syntax error is; callers deserve the position.
// - the default parser decodes invalid UTF-8 into U+FFFD silently; here it is a 400 naming the field.
// Prototype-poisoning keys are refused too, which the default parser (secure-json-parse) also did.
import { isUtf8 } from 'node:buffer';
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
    readonly code: 'INVALID_JSON' | 'INVALID_UTF8' | 'NON_FINITE_NUMBER' | 'FORBIDDEN_KEY',
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
function assertPlainFiniteJson(root: unknown): void {
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

function parseJsonBody(text: string): unknown {
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

/** Byte offset of the first ill-formed UTF-8 sequence (Unicode's well-formed table, as TextDecoder), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    const trailing = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
    if (trailing === 0 || i + trailing >= bytes.length) return i;
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    const lo = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const hi = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (bytes[i + 1] < lo || bytes[i + 1] > hi) return i;
    for (let k = 2; k <= trailing; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    i += trailing + 1;
  }
  return -1;
}

// A noncharacter marks where the bad bytes were, so the field holding them can be named.
const MARK = '\uFDD0';

/** Path of the first string (key or value) containing MARK, or undefined. */
function pathOfMark(root: unknown): string | undefined {
  const stack: Frame[] = [{ value: root, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value } = frame;
    if (typeof value === 'string') {
      if (value.includes(MARK)) return pathOf(frame);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], parent: frame, key: i });
    } else if (value !== null && typeof value === 'object') {
      for (const key of Object.keys(value).reverse()) {
        const child: Frame = { value: (value as Record<string, unknown>)[key], parent: frame, key };
        if (key.includes(MARK)) return pathOf(child);
        stack.push(child);
      }
    }
  }
  return undefined;
}

/** The 400 for a body that is not UTF-8: names the field (key or string value) holding the bad bytes. */
function invalidUtf8(bytes: Buffer, offset: number): BodyError {
  const reason = `invalid UTF-8 (byte 0x${bytes[offset].toString(16).padStart(2, '0')} at offset ${offset})`;
  const before = bytes.subarray(0, offset).toString('utf8');
  const after = bytes.subarray(offset).toString('utf8'); // starts with the U+FFFD of the bad sequence
  let field = BODY_FIELD;
  if (!before.includes(MARK) && !after.includes(MARK)) {
    try {
      field = pathOfMark(JSON.parse(before + MARK + after.slice(1))) ?? BODY_FIELD;
    } catch {
      // the bad bytes are outside any string: the body as a whole is at fault
    }
  }
  return new BodyError('INVALID_UTF8', field.replaceAll(MARK, '\uFFFD'), reason);
}

/** Decode and parse a body; bytes that are not UTF-8 are a 400, not silently U+FFFD. */
function parseJsonBytes(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) {
    const offset = firstInvalidUtf8(bytes);
    throw invalidUtf8(bytes, Math.max(offset, 0));
  }
  return parseJsonBody(bytes.toString('utf8'));
}

/** Install the strict parser in place of Fastify's default application/json parser. */
export function registerJsonBodyParser(app: FastifyInstance): void {
  // Only JSON is accepted: without this, Fastify's text/plain parser hands a string to the schema
  // (a 400 "must be object") where the caller deserves a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const value = parseJsonBytes(body as Buffer);
      // The bytes' digest lets a repeated body find its cached answer without re-serialising it.
      bodyDigests.set(
        request,
        createHash('sha256')
          .update(body as Buffer)
          .digest('base64'),
      );
      done(null, value);
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
