// The container build and the compose topology, read as Docker would read them (no Docker engine
// here): every COPY source of the Dockerfile exists and survives .dockerignore (a COPY of an
// ignored path fails the build), and compose publishes one port, a reverse proxy's, whose
// upstreams are the scaled `api` service on the port it listens on.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import dockerignoreModule from '@balena/dockerignore';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../src/config.js';

// A CommonJS module whose factory is also its `default` (the typings declare only that one).
const dockerignore = dockerignoreModule.default;

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(dockerfile: string): { keyword: string; args: string }[] {
  const lines = dockerfile.split('\n').filter((line) => !/^\s*#/.test(line));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

/** Sources of COPY/ADD from the build context (not --from another stage). */
function contextSources(dockerfile: string): string[] {
  const sources: string[] = [];
  for (const { keyword, args } of instructions(dockerfile)) {
    if (keyword !== 'COPY' && keyword !== 'ADD') continue;
    const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
    if (words.some((w) => w.startsWith('--from='))) continue;
    const paths = words.filter((w) => !w.startsWith('--'));
    sources.push(...paths.slice(0, -1)); // the last is the destination
  }
  return sources;
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? (entry.name === 'node_modules' ? [] : filesUnder(path)) : [path];
  });
}

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = read('Dockerfile');
  const ignore = dockerignore().add(read('.dockerignore').split('\n'));
  const sources = contextSources(dockerfile);

  it('finds the COPY sources the build needs', () => {
    expect(sources).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'src', 'console', 'scripts', 'examples', 'LICENSE']),
    );
  });

  it.each(sources)('COPY %s: exists and survives .dockerignore (with the files under it)', (source) => {
    expect(existsSync(join(root, source)), `${source} is not in the repository`).toBe(true);
    expect(ignore.ignores(source), `${source} is excluded by .dockerignore`).toBe(false);
    if (statSync(join(root, source)).isDirectory()) {
      const files = filesUnder(source).map((path) => relative(root, join(root, path)));
      const excluded = files.filter((path) => ignore.ignores(path));
      expect(excluded, `files of ${source} excluded by .dockerignore`).toEqual([]);
    }
  });

  it('keeps out what the image must not carry (tests, local modules, secrets)', () => {
    for (const path of ['node_modules', 'test', '.git', '.env', '.env.production', 'dist', 'deploy'])
      expect(ignore.ignores(path), path).toBe(true);
  });

  it('sees an ignored COPY source (the check can fail)', () => {
    const withExamplesIgnored = dockerignore().add([...read('.dockerignore').split('\n'), 'examples']);
    expect(contextSources('FROM x\nCOPY --chown=node:node examples \\\n  ./examples\nCOPY --from=build /app/dist ./dist\n')).toEqual([
      'examples',
    ]);
    expect(withExamplesIgnored.ignores('examples')).toBe(true);
  });
});

interface ComposeService {
  image?: string;
  build?: unknown;
  ports?: (string | { published?: string | number; target?: number })[];
  environment?: Record<string, string>;
  volumes?: string[];
  deploy?: { replicas?: number };
}

describe('compose.yaml: the API scaled behind one published port', () => {
  const compose = parseYaml(read('compose.yaml')) as { services: Record<string, ComposeService> };
  const services = compose.services;
  const published = Object.entries(services).flatMap(([name, s]) =>
    (s.ports ?? []).map((port) => ({ name, port: String(typeof port === 'string' ? port : port.published) })),
  );

  it('publishes exactly one host port (not a range), on the proxy service, on loopback', () => {
    expect(published).toHaveLength(1);
    const [{ name, port }] = published as [{ name: string; port: string }];
    expect(name).toBe('proxy');
    expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    expect(services.api!.ports).toBeUndefined();
  });

  it("the proxy is HAProxy with the repository's config, whose upstreams are every api replica on the API's port", () => {
    const proxy = services.proxy!;
    expect(proxy.image).toMatch(/^haproxy:/);
    const mount = (proxy.volumes ?? []).find((v) => v.endsWith(':/usr/local/etc/haproxy/haproxy.cfg:ro'));
    expect(mount).toBeDefined();
    const cfg = read(mount!.split(':')[0]!);

    // The frontend binds the container port compose publishes.
    const target = published[0]!.port.split(':').at(-1);
    expect(cfg).toMatch(new RegExp(`^\\s*bind :${target}\\s*$`, 'm'));
    // Upstreams: the api service by its DNS name (all replicas), on the port the API listens on
    // (PORT in compose's environment, else the image's ENV PORT), re-resolved through Docker's DNS.
    const imagePort = instructions(read('Dockerfile'))
      .filter((i) => i.keyword === 'ENV')
      .map((i) => /\bPORT=(\d+)/.exec(i.args)?.[1])
      .filter((port) => port !== undefined)
      .pop();
    const apiPort = services.api!.environment?.PORT ?? imagePort;
    expect(apiPort).toBe('3000');
    const template = /^\s*server-template\s+\S+\s+(\d+)\s+(\S+):(\d+)/m.exec(cfg);
    expect(template, 'server-template in haproxy.cfg').not.toBeNull();
    expect(template![2]).toBe('api');
    expect(template![3]).toBe(apiPort);
    expect(Number(template![1])).toBeGreaterThanOrEqual(3); // --scale api=3 fits
    expect(cfg).toMatch(/resolvers docker[\s\S]*nameserver \S+ 127\.0\.0\.11:53/);
    expect(cfg).toMatch(/default-server [^\n]*resolvers docker/);
    // Only ready replicas get traffic, and the proxy waits longer than the API's own request timeout.
    expect(cfg).toMatch(/option httpchk GET \/ready/);
    const serverTimeoutS = Number(/^\s*timeout server (\d+)s/m.exec(cfg)?.[1]);
    expect(serverTimeoutS * 1000).toBeGreaterThan(loadConfig({}).requestTimeoutMs);
  });

  it('the API believes one proxy hop for client addresses, and its environment is a valid configuration', () => {
    const env = services.api!.environment!;
    expect(env.TRUST_PROXY).toBe('1');
    expect(loadConfig(env, undefined, () => {}).trustProxy).toBe(1);
    expect(loadConfig({ ...services.worker!.environment }, undefined, () => {}).workerLockMs).toBe(4_000);
  });
});
