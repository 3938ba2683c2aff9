// PosFleet's architecture rules, checked by `npm run lint` (part of `npm test`). dependency-cruiser would
// do this, but its current major needs Node 22; these four rules are small enough to keep here.
//
// - posfleet/no-query-in-service: a `*.service.ts` holds use cases, not queries. No Kysely value import
//   (`sql`, …), no `Kysely<…>` handle, no query builder call (selectFrom, insertInto, updateTable,
//   deleteFrom, a bare `.transaction()`): those belong in the capability's `*.repository.ts`.
// - posfleet/no-folder-cycle: the capability folders under src/ import each other without a cycle
//   (folder A imports B, and B — directly or through others — imports A). The composition root
//   (files directly under src/) and src/shared/ and src/db/ are not capabilities.
// - posfleet/no-foreign-repository: a capability reaches another capability's data through that
//   capability's service or a small interface, never through its repository: no import of another
//   folder's `*.repository.ts`, and no `.repo` of an object other than `this`.
// - posfleet/sdk-imports-protocol: the terminal SDK (src/sdk/) is shipped inside POS applications, so it
//   imports only its own files and src/protocol/ (the wire types and pure helpers it shares with the
//   server), and no server package (Fastify, Kysely, the database drivers, the logger, mail). src/protocol/
//   itself re-exports schema files and pure helpers: never a *.service.ts, *.repository.ts, *.routes.ts,
//   the database (src/db/), the HTTP layer (src/http/) or the composition root.
//
// No file is exempt: the last violations from before these rules were fixed, so any new one fails.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const NOT_CAPABILITIES = new Set(['', 'shared', 'db']);
const QUERY_CALLS = new Set(['selectFrom', 'insertInto', 'updateTable', 'deleteFrom', 'replaceInto', 'mergeInto', 'selectNoFrom']);

/** `src/rollouts/x.ts` → `rollouts`; a file directly under src/ (or outside it) → ''. */
function folderOf(file) {
  const rel = relative(src, file);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0] : '';
}

const normalise = (name) => name.replaceAll('-', '').toLowerCase();
const srcPath = (file) => relative(root, file).split(sep).join('/');

function importsOf(file, text) {
  const found = [];
  for (const m of text.matchAll(/(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]/g)) found.push(resolve(dirname(file), m[1]));
  return found;
}

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) yield path;
  }
}

let graph;
/** Folder → the folders its files import (read once per lint run). */
function folderGraph() {
  if (graph) return graph;
  graph = new Map();
  for (const file of sourceFiles(src)) {
    const from = folderOf(file);
    if (NOT_CAPABILITIES.has(from)) continue;
    for (const target of importsOf(file, readFileSync(file, 'utf8'))) {
      const to = folderOf(target);
      if (to === null || to === from || NOT_CAPABILITIES.has(to)) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from).add(to);
    }
  }
  return graph;
}

/** A path of folders from `from` back to `to`, if there is one. */
function pathBetween(from, to) {
  const edges = folderGraph();
  const seen = new Set([from]);
  const queue = [[from]];
  while (queue.length) {
    const path = queue.shift();
    for (const next of edges.get(path.at(-1)) ?? []) {
      if (next === to) return [...path, next];
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push([...path, next]);
    }
  }
  return null;
}


const noQueryInService = {
  meta: { type: 'problem', docs: { description: 'no Kysely query in a *.service.ts' }, schema: [] },
  create(context) {
    const file = context.filename;
    if (!file.endsWith('.service.ts') || folderOf(file) === null) return {};
    const report = (node, what, message) => {
      context.report({ node, message: `${message}: put it in the capability's *.repository.ts [${what}]` });
    };
    return {
      ImportDeclaration(node) {
        if (node.source.value !== 'kysely' || node.importKind === 'type') return;
        const values = node.specifiers.filter((s) => s.importKind !== 'type');
        if (values.length) report(node, 'import kysely', `a service imports Kysely's ${values.map((s) => s.local.name).join(', ')}`);
      },
      TSTypeReference(node) {
        if (node.typeName.type === 'Identifier' && node.typeName.name === 'Kysely') report(node, 'Kysely', 'a service holds the database (Kysely<…>)');
      },
      CallExpression(node) {
        const callee = node.callee;
        if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier') return;
        const name = callee.property.name;
        if (QUERY_CALLS.has(name)) report(node, name, `a service queries (${name})`);
        else if (name === 'transaction' && node.arguments.length === 0) report(node, 'transaction', 'a service opens a Kysely transaction');
      },
    };
  },
};

const noFolderCycle = {
  meta: { type: 'problem', docs: { description: 'no import cycle between capability folders' }, schema: [] },
  create(context) {
    const file = context.filename;
    const from = folderOf(file);
    if (from === null || NOT_CAPABILITIES.has(from) || file.endsWith('.test.ts')) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = folderOf(resolve(dirname(file), spec));
      if (to === null || to === from || NOT_CAPABILITIES.has(to)) return;
      const back = pathBetween(to, from);
      if (!back) return;
      context.report({ node, message: `import cycle between folders: ${from} → ${back.join(' → ')}; depend one way (an interface or an event in the lower folder) [${from} -> ${to}]` });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
    };
  },
};

const noForeignRepository = {
  meta: { type: 'problem', docs: { description: "no reach into another capability's repository" }, schema: [] },
  create(context) {
    const file = context.filename;
    const from = folderOf(file);
    if (from === null || file.endsWith('.test.ts')) return {};
    return {
      ImportDeclaration(node) {
        const spec = node.source.value;
        if (typeof spec !== 'string' || !spec.startsWith('.') || !spec.endsWith('.repository.ts')) return;
        const target = resolve(dirname(file), spec);
        const to = folderOf(target);
        // The composition root builds every repository; that is its job.
        if (from === '' || to === from) return;
        const what = `import ${to}/${target.split(sep).at(-1)}`;
        context.report({ node, message: `${from}/ imports ${to}'s repository: ask ${to}'s service, or take a small interface [${what}]` });
      },
      MemberExpression(node) {
        if (node.property.type !== 'Identifier' || node.property.name !== 'repo' || node.computed || node.object.type === 'ThisExpression') return;
        // `this.maintenance.repo` inside src/maintenance/ is the capability's own repository (read by name).
        const owner = node.object.type === 'MemberExpression' ? node.object.property : node.object;
        if (owner.type === 'Identifier' && normalise(owner.name) === normalise(from)) return;
        const what = `${context.sourceCode.getText(node)}`;
        context.report({ node, message: `${what} reaches into another service's repository: ask the service, or hand the repository over in src/services.ts [${what}]` });
      },
    };
  },
};

const SERVER_PACKAGES = /^(fastify|@fastify\/|kysely|pg|better-sqlite3|pino|nodemailer)($|\/)/;
const SERVER_FILE = /\.(service|repository|routes)\.ts$/;

const sdkImportsProtocol = {
  meta: { type: 'problem', docs: { description: 'the SDK imports only itself and src/protocol/; src/protocol/ no server internals' }, schema: [] },
  create(context) {
    const file = context.filename;
    const folder = folderOf(file);
    if ((folder !== 'sdk' && folder !== 'protocol') || file.endsWith('.test.ts')) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        if (SERVER_PACKAGES.test(spec)) context.report({ node, message: `src/${folder}/ imports the server package ${spec}: the SDK runs inside a POS application` });
        return;
      }
      const target = resolve(dirname(file), spec);
      const to = folderOf(target);
      if (folder === 'sdk') {
        if (to === 'sdk' || to === 'protocol') return;
        context.report({ node, message: `the SDK imports ${srcPath(target)}: import what it shares with the server from src/protocol/ (re-export it there if it is a wire type or a pure helper)` });
        return;
      }
      if (to === '' || to === 'db' || to === 'http' || SERVER_FILE.test(target)) {
        context.report({ node, message: `src/protocol/ imports the server internal ${srcPath(target)}: only schema files and pure helpers belong to the protocol` });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { 'no-query-in-service': noQueryInService, 'no-folder-cycle': noFolderCycle, 'no-foreign-repository': noForeignRepository, 'sdk-imports-protocol': sdkImportsProtocol } };
