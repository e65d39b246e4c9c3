// When a request arrived: a time limit counts from here (the first hook, before the body is read,
// parsed and validated), so whatever happens before the solver starts is part of the limit.
import type { FastifyInstance, FastifyRequest } from 'fastify';

const arrivals = new WeakMap<FastifyRequest, number>();

export function registerArrivalClock(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    arrivals.set(request, Date.now());
  });
}

/** Epoch ms at which the request arrived (now, for a request the hook did not see). */
export function arrivedAt(request: FastifyRequest): number {
  return arrivals.get(request) ?? Date.now();
}
