// Serves the web dashboard (web/dist, built by `npm run build:web`) at `/`: its hashed assets as static
// files, and index.html for any other GET a browser makes outside the API, so the dashboard's own
// paths (/terminals/…) survive a reload. Without a build the server runs as before, API only.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const DASHBOARD_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Paths that belong to the API, the terminal protocol or the docs: never answered with the dashboard. */
const NOT_DASHBOARD = /^\/(api|device|docs|openapi\.json|health)(\/|$|\?)/;
/** A missing file (an old asset, a typo) is a 404, not the dashboard. */
const FILE = /^\/assets\/|\.[a-z0-9]+$/i;

/**
 * Registers the dashboard's files and returns the fallback for unknown paths: index.html for a
 * browser's page request, `undefined` (the usual JSON 404) for everything else.
 */
export async function registerDashboard(app: FastifyInstance, dir = DASHBOARD_DIR): Promise<(request: FastifyRequest) => string | undefined> {
  let index: string;
  try {
    index = readFileSync(`${dir}/index.html`, 'utf8');
  } catch {
    return () => undefined; // not built (or being rebuilt): API only
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    decorateReply: false,
    cacheControl: false,
    // Assets carry a content hash in their names; index.html must be revalidated to pick up a new build.
    setHeaders: (res, path) => {
      res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    if (NOT_DASHBOARD.test(request.url) || FILE.test(request.url.split('?')[0] ?? '')) return undefined;
    if (!String(request.headers.accept ?? '').includes('text/html')) return undefined;
    return index;
  };
}
