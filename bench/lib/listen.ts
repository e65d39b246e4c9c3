// Benches drive the real app over HTTP on loopback: one way to start it on a free port.
import type { App } from '../../src/app.js';

/** Listens on 127.0.0.1 on a free port and returns the base URL (http://127.0.0.1:PORT). */
export async function listenOnLoopback(app: App): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('unexpected listen address');
  return `http://127.0.0.1:${addr.port}`;
}
