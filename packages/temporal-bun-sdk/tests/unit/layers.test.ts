/**
 * Layers read top-down: a module under `src/` imports only from its own layer or a lower one, and
 * layers of one rank (peers) do not import each other. Every import counts, type-only ones
 * included: a type from a higher layer is a dependency on it all the same.
 *
 * A new folder under `src/` must be placed in `LAYERS` before this passes.
 */
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The layer order, lowest first; folders on one line are peers. `dev-server` stands alone (it
 * starts the `temporal` CLI and needs nothing else); activities get a `Client`, so `client` sits
 * below `activity`; `testing` (the test environments: client, connection, dev server, activity
 * context) is the CLI's peer; `src/index.ts` (`root`) is the package's entry point above everything.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['common'],
  ['native', 'dev-server'],
  ['config'],
  ['connection'],
  ['client'],
  ['activity', 'workflow'],
  ['worker'],
  ['cli', 'testing'],
  ['root'],
];

const RANK = new Map(LAYERS.flatMap((peers, rank) => peers.map((layer) => [layer, rank] as const)));

const SOURCE_ROOT = resolve(import.meta.dir, '../../src');

/**
 * The layer of a path under `src/` (a file, or a folder imported through its index): its first
 * folder, or `root` for a file directly in `src/`.
 */
function layerOf(sourcePath: string): string {
  const [first = '', ...rest] = relative(SOURCE_ROOT, sourcePath).split('/');
  const fileInSourceRoot = rest.length === 0 && (first === '' || first === 'index' || /\.[cm]?[jt]s$/.test(first));
  return fileInSourceRoot ? 'root' : first;
}

const transpiler = new Bun.Transpiler({ loader: 'ts' });

/**
 * The module specifiers `code` imports, re-exports or dynamically imports, type-only ones
 * included. Bun's scanner parses the code (so an `import` inside a string or a comment is not
 * one) but drops type-only imports, so their `type` markers are removed first.
 */
function importSpecifiers(code: string): string[] {
  const withoutTypeMarkers = code
    .replace(/^#!.*/, '') // a CLI's shebang
    .replace(/\bimport\s+type\s+(?=[{*\w$])/g, 'import ')
    .replace(/\bexport\s+type\s+(?=[{*])/g, 'export ')
    .replace(/([{,]\s*)type\s+(?=[A-Za-z_$][\w$]*\s*(?:[,}]|\bas\b))/g, '$1');
  return transpiler.scanImports(withoutTypeMarkers).map((entry) => entry.path);
}

interface LayerViolation {
  from: string;
  to: string;
  reason: string;
}

/** The imports among `files` (absolute path → code) that break the layer order. */
function layerViolations(files: ReadonlyMap<string, string>): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const [path, code] of files) {
    const fromLayer = layerOf(path);
    const fromRank = RANK.get(fromLayer);
    if (fromRank === undefined) {
      violations.push({ from: path, to: '', reason: `folder ${fromLayer} is in no layer: add it to LAYERS` });
      continue;
    }
    for (const specifier of importSpecifiers(code)) {
      if (!specifier.startsWith('.')) continue; // a package
      const target = resolve(dirname(path), specifier);
      if (relative(SOURCE_ROOT, target).startsWith('..')) continue; // outside src/, e.g. package.json
      const toLayer = layerOf(target);
      if (toLayer === fromLayer) continue;
      const toRank = RANK.get(toLayer);
      if (toRank === undefined) {
        violations.push({ from: path, to: specifier, reason: `${toLayer} is in no layer` });
      } else if (toRank > fromRank) {
        violations.push({ from: path, to: specifier, reason: `${fromLayer} imports ${toLayer}, a layer above it` });
      } else if (toRank === fromRank) {
        violations.push({ from: path, to: specifier, reason: `${fromLayer} imports its peer ${toLayer}` });
      }
    }
  }
  return violations;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(?:ts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

describe('layers', () => {
  test('no module under src/ imports a layer above its own, or a peer layer', () => {
    const files = new Map(sourceFiles(SOURCE_ROOT).map((path) => [path, readFileSync(path, 'utf8')] as const));
    const violations = layerViolations(files).map(
      (violation) => `${relative(SOURCE_ROOT, violation.from)} → ${violation.to}: ${violation.reason}`,
    );
    expect(violations).toEqual([]);
    // The scan saw the code: the worker imports the layers below it.
    const workerImports = importSpecifiers(readFileSync(join(SOURCE_ROOT, 'worker/worker.ts'), 'utf8'));
    expect(workerImports).toContain('../connection');
    expect(workerImports).toContain('../common/logger');
  });

  test('the check catches an upward import, a type-only one, a peer import and an unplaced folder', () => {
    const at = (path: string) => join(SOURCE_ROOT, path);
    const files = new Map([
      [at('common/a.ts'), "import { createWorker } from '../worker/worker';"],
      [at('client/b.ts'), "import type { ActivityTaskLoop } from '../worker/activity-task-loop';"],
      [
        at('client/c.ts'),
        "import { type Logger, ConsoleLogger } from '../common/logger';\nexport type { X } from '../cli/x';",
      ],
      [at('activity/d.ts'), "export * from '../workflow/sinks';"],
      [at('workflow/e.ts'), "const text = `import { x } from '../cli/y';`; // import '../cli/z'"],
      [at('elsewhere/f.ts'), "import '../common/logger';"],
      [at('worker/g.ts'), "import { Client } from '../client';\nimport { NativeConnection } from '../connection';"],
    ]);
    const found = layerViolations(files).map((violation) => [relative(SOURCE_ROOT, violation.from), violation.to]);
    expect(found).toEqual([
      ['common/a.ts', '../worker/worker'],
      ['client/b.ts', '../worker/activity-task-loop'],
      ['client/c.ts', '../cli/x'],
      ['activity/d.ts', '../workflow/sinks'],
      ['elsewhere/f.ts', ''],
    ]);
  });
});
