// Transport hardening: security headers, CORS for the origins an operator allows, compression of
// large answers (a Pareto answer can be megabytes of JSON), and shedding load with 503 +
// Retry-After when the event loop lags or the heap is full, before a request costs anything.
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './errors.js';
import { REQUEST_ID_HEADER } from './request-id.js';

interface HardeningOptions {
  corsOrigins: readonly string[];
  maxEventLoopDelayMs: number;
  maxHeapUsedBytes: number;
  isPublic: (url: string) => boolean;
}

/** Below this, compressing costs more than it saves. */
const COMPRESS_THRESHOLD_BYTES = 1024;
/** Load shedding asks callers to come back after this long. */
const PRESSURE_RETRY_AFTER_S = 5;

export function registerHardening(app: FastifyInstance, options: HardeningOptions): void {
  // Defaults (nosniff, frame-ancestors, HSTS, …). The CSP allows only same-origin scripts and
  // styles plus inline styles and data: images, which Swagger UI at /docs needs.
  void app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
  });

  // Only listed origins get CORS headers (none by default), so browsers keep other sites out.
  // Every preflight is answered here (204, before authentication: preflights carry no
  // credentials); one from an unlisted origin gets no Access-Control-Allow-Origin.
  void app.register(cors, {
    origin: [...options.corsOrigins],
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    // A browser client may send an Idempotency-Key (POST /jobs) and read both rate-limit header forms.
    allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'idempotency-key', REQUEST_ID_HEADER],
    exposedHeaders: [
      REQUEST_ID_HEADER,
      'retry-after',
      'location',
      'ratelimit-policy',
      'ratelimit',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
    ],
    maxAge: 600,
  });

  // gzip/deflate only: brotli at its default quality costs far more CPU on megabyte answers. At
  // level 1, not the default 6: an answer is compressed after its last solve (large ones in zlib's
  // thread pool), inside the time limit (a what-if answer of 1,000 devices, 306 KB: 21 ms of CPU at
  // level 6, 10.6 ms at level 1 for 9% more bytes; under load 8–15 the writing took 26–207 ms with
  // gzip, 1–5 ms without).
  void app.register(compress, { threshold: COMPRESS_THRESHOLD_BYTES, encodings: ['gzip', 'deflate'], zlibOptions: { level: 1 } });

  if (options.maxEventLoopDelayMs > 0 || options.maxHeapUsedBytes > 0) {
    void app.register(underPressure, {
      maxEventLoopDelay: options.maxEventLoopDelayMs,
      maxHeapUsedBytes: options.maxHeapUsedBytes,
      // Probes and metrics keep answering: an overloaded process is alive, and worth watching.
      pressureHandler: async (request, _reply, type) => {
        if (options.isPublic(request.url)) return;
        throw new HttpProblem(
          503,
          'UNDER_PRESSURE',
          `the service is overloaded (${type}); retry after ${PRESSURE_RETRY_AFTER_S} s`,
          PRESSURE_RETRY_AFTER_S,
        );
      },
    });
  }
}
