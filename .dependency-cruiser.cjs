// The direction of imports between the rooms of src/ (docs/architecture.md), checked by
// `npm run lint:deps` (part of `npm test`). Type-only imports count: tsPreCompilationDeps.
/** Folders (or single files) of src/, as path patterns. */
const room = (...names) => `^src/(${names.join('|')})(/|\\.ts$)`;
const SERVICE_LIBS = '^(fastify|@fastify/|fastify-plugin|ioredis|bullmq|piscina)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No module may reach itself again through its imports (type imports included).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'pure-core',
      severity: 'error',
      comment: 'model/, solver/ and blocks/ are pure computation: no HTTP, Redis, queue or thread pool, and nothing of the service around them.',
      from: { path: room('model', 'solver', 'blocks') },
      to: { path: [SERVICE_LIBS, room('cache', 'solve', 'backends', 'jobs', 'routes', 'plugins', 'schemas', 'worker', 'observability', 'compose', 'app', 'server', 'config')] },
    },
    {
      name: 'cache-below-solve',
      severity: 'error',
      comment: 'cache/ stores answers (Redis allowed); it knows nothing of the service, HTTP or queues.',
      from: { path: room('cache') },
      to: { path: ['^(fastify|@fastify/|bullmq|piscina)', room('solve', 'backends', 'jobs', 'routes', 'plugins', 'schemas', 'worker', 'observability', 'compose', 'app', 'server')] },
    },
    {
      name: 'solve-knows-no-backend',
      severity: 'error',
      comment: 'solve/ defines the contracts (service, backend interface, kinds, errors); it never imports an implementation of where solves run, nor HTTP or jobs.',
      from: { path: room('solve') },
      to: { path: ['^(fastify|@fastify/|fastify-plugin|bullmq|piscina)', room('backends', 'jobs', 'routes', 'plugins', 'schemas', 'worker', 'observability', 'compose', 'app', 'server')] },
    },
    {
      name: 'backends-apart',
      severity: 'error',
      comment: 'A backend implements solve/ contracts; it imports neither the other backend nor HTTP nor the composition root.',
      from: { path: room('backends') },
      to: { path: [room('routes', 'plugins', 'schemas', 'worker', 'compose', 'app', 'server'), '^(fastify|@fastify/)'] },
    },
    {
      name: 'admission-between-backends',
      severity: 'error',
      comment: 'backends/admission.ts is shared by both backends: it imports neither.',
      from: { path: '^src/backends/admission\\.ts$' },
      to: { path: '^src/backends/(threads|bullmq)/' },
    },
    {
      name: 'threads-not-bullmq',
      severity: 'error',
      from: { path: '^src/backends/threads/' },
      to: { path: ['^src/backends/bullmq/', '^(bullmq|ioredis)$'] },
    },
    {
      name: 'bullmq-not-threads',
      severity: 'error',
      from: { path: '^src/backends/bullmq/' },
      to: { path: ['^src/backends/threads/', '^piscina$'] },
    },
    {
      name: 'jobs-above-solve',
      severity: 'error',
      comment: 'jobs/ runs solves through the SolveService contract; no backend, no HTTP.',
      from: { path: room('jobs') },
      to: { path: [SERVICE_LIBS, room('backends', 'routes', 'plugins', 'schemas', 'worker', 'compose', 'app', 'server')] },
    },
    {
      name: 'observability-reads-contracts',
      severity: 'error',
      comment: 'observability/ (metrics, build info) is told about solves and jobs through their contracts; no backend, cache, HTTP or queue.',
      from: { path: room('observability') },
      to: { path: [SERVICE_LIBS, room('cache', 'backends', 'routes', 'plugins', 'schemas', 'worker', 'compose', 'app', 'server')] },
    },
    {
      name: 'config-is-a-leaf',
      severity: 'error',
      comment: 'config.ts reads the environment; every room may import it, so it imports none.',
      from: { path: '^src/config\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'http-sees-contracts-only',
      severity: 'error',
      comment: 'routes/, plugins/ and schemas/ talk to the SolveService and JobService contracts, never to a backend or the composition root.',
      from: { path: room('routes', 'plugins', 'schemas') },
      to: { path: ['^(bullmq|ioredis|piscina)$', room('backends', 'worker', 'compose', 'app', 'server')] },
    },
    {
      name: 'plugins-below-routes',
      severity: 'error',
      from: { path: room('plugins', 'schemas') },
      to: { path: room('routes') },
    },
    {
      name: 'one-composition-root',
      severity: 'error',
      comment: 'Only compose.ts picks implementations; the app and the worker entry ask it.',
      from: { path: '^src/', pathNot: ['^src/(app|compose)\\.ts$', '^src/worker/main\\.ts$'] },
      to: { path: '^src/compose\\.ts$' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
