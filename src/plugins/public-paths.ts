// Paths answered without an API key and outside rate limits: probes an orchestrator polls, the
// documentation, and static pages that send the key themselves on their API calls. One list, so a
// new public page (a browser console) is one entry.

interface PublicPathOptions {
  /** /metrics open to scrapers without a key. */
  metricsPublic: boolean;
  /** More prefixes (e.g. '/console'). */
  extra?: readonly string[];
}

// '/' only redirects to the console; the console's page and assets send the key on their own API calls.
const ALWAYS_PUBLIC_PREFIXES = ['/health', '/ready', '/docs', '/console', '/'] as const;
export const METRICS_PATH = '/metrics';

/** A matcher over the URL's path: a prefix matches itself and anything below it, not '/docsX'. */
export function publicPathMatcher(options: PublicPathOptions): (url: string) => boolean {
  const prefixes = [...ALWAYS_PUBLIC_PREFIXES, ...(options.metricsPublic ? [METRICS_PATH] : []), ...(options.extra ?? [])];
  return (url) => {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    return prefixes.some((p) => path === p || path.startsWith(`${p}/`));
  };
}
