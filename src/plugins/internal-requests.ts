// Requests the service sends itself (the request-path warm-up, plugins/warm-up.ts): marked on the
// raw Node request by the throwaway server that hands them to the router, so they cannot be marked
// from outside (no header does it). They are served as any request, but left out of the request
// metrics and the access log: they are start-up work, not traffic.
import type { IncomingMessage } from 'node:http';

const INTERNAL = Symbol('edge-allocator.internal-request');

/** Marks a raw request as the service's own (before it reaches the router). */
export function markInternal(req: IncomingMessage): void {
  (req as IncomingMessage & { [INTERNAL]?: true })[INTERNAL] = true;
}

/** Whether the service sent this raw request itself. */
export function isInternal(req: IncomingMessage): boolean {
  return (req as IncomingMessage & { [INTERNAL]?: true })[INTERNAL] === true;
}
