// GET /metrics (Prometheus text) and the request-duration histogram, recorded for every answer,
// 404s included, under the route pattern (not the URL, whose ids would explode the label set).
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.js';
import { isInternal } from './internal-requests.js';
import { METRICS_PATH } from './public-paths.js';

export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    if (isInternal(request.raw)) return; // the service's own warm-up requests are not traffic
    metrics.recordRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.get(METRICS_PATH, { logLevel: 'warn', schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.render()),
  );
}
