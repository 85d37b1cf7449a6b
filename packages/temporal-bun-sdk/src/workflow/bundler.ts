/**
 * Bundles a workflows file, together with `@temporalio/workflow`'s worker interface, into one
 * script that each workflow sandbox evaluates (see `isolate-manager.ts`).
 *
 * One `Bun.build` call: a generated entry module registers `globalThis.__TEMPORAL__` (the worker
 * interface, plus lazy importers of the workflows and interceptor modules) and installs the
 * deterministic globals of `@temporalio/workflow/lib/global-overrides`. Node built-ins and
 * worker-only packages are replaced by stubs that throw a clear error when workflow code touches
 * them, so importing a module that merely mentions `fs` does not break the build.
 */
import { existsSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { BunPlugin } from 'bun';
import type { Logger } from '../worker/logger';

export interface WorkflowBundleOptions {
  /** Path of a `.ts`/`.js` module (or a directory with an index module) exporting workflow functions. */
  workflowsPath: string;
  /** Modules bundled into the sandbox that export `interceptors()` (workflow interceptor factories). */
  workflowInterceptorModules?: string[];
  /** Module exporting `payloadConverter`, used inside the sandbox instead of the default one. */
  payloadConverterPath?: string;
  /** Module exporting `failureConverter`, used inside the sandbox instead of the default one. */
  failureConverterPath?: string;
  /** Receives build warnings (disallowed modules) and the bundle size. Default: none. */
  logger?: Logger;
  /**
   * Modules to stub without a warning: imports you know workflow code never uses at run time.
   * Same matching as the disallowed list (`name` or `name/sub/path`).
   */
  ignoreModules?: string[];
}

/** The bundled workflow code: evaluate `code` (named `filename` in stack traces) in a sandbox. */
export interface WorkflowBundle {
  code: string;
  /** Source map (JSON, version 3) of `code`, with `sources` made absolute. */
  sourceMap: string;
  /** Script name used for `code`; stack frames under this name are mapped through `sourceMap`. */
  filename: string;
}

/** One diagnostic reported by `Bun.build`. */
export interface WorkflowBundleDiagnostic {
  level: 'error' | 'warning' | 'info' | 'debug' | 'verbose';
  message: string;
  file?: string;
  line?: number;
  column?: number;
  lineText?: string;
}

/**
 * The workflows could not be bundled: a missing `workflowsPath`, a module that does not compile or
 * does not resolve. `diagnostics` lists what `Bun.build` reported; the message names `file:line`.
 */
export class WorkflowBundleError extends Error {
  override readonly name = 'WorkflowBundleError';
  readonly diagnostics: WorkflowBundleDiagnostic[];

  constructor(message: string, diagnostics: WorkflowBundleDiagnostic[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.diagnostics = diagnostics;
  }
}

/** Node built-ins that workflow code may import: they map to deterministic sandbox globals. */
export const allowedBuiltinModules: readonly string[] = ['assert', 'url', 'util'];

/** Node built-ins that are stubbed (they reach the outside world or are non-deterministic). */
export const disallowedBuiltinModules: readonly string[] = builtinModules.filter(
  (name) => !allowedBuiltinModules.includes(name) && !name.startsWith('_'),
);

/** Packages that only make sense outside workflows. Importing them from workflow code is a mistake. */
export const disallowedPackages: readonly string[] = [
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/testing',
  '@temporalio/core-bridge',
  '@temporalio/common/lib/internal-non-workflow',
  'temporal-bun-sdk',
];

const ENTRY_SPECIFIER = 'temporal-bun-sdk:workflow-bundle-entry';
/**
 * The entry imports the workflows through this name, resolved by the plugin to the absolute path:
 * Bun's resolver caches directory listings, and a workflows file created just after another
 * bundle of the same directory could otherwise be reported as missing.
 */
const WORKFLOWS_SPECIFIER = 'temporal-bun-sdk:workflows';
const ENTRY_NAMESPACE = 'temporal-workflow-entry';
const EMPTY_NAMESPACE = 'temporal-empty-module';
const STUB_NAMESPACE = 'temporal-disallowed-module';
const SHIM_NAMESPACE = 'temporal-builtin-shim';

/** Sandbox globals behind the allowed built-ins (the isolate manager injects them). */
const builtinShims: Record<string, string> = {
  assert: 'module.exports = globalThis.assert;',
  url: 'module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };',
  util: 'module.exports = { TextEncoder: globalThis.TextEncoder, TextDecoder: globalThis.TextDecoder };',
};

/**
 * Bundles `workflowsPath` for the workflow sandbox.
 *
 * @example
 * const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows') });
 * const manager = await WorkflowIsolateManager.create({ bundle, logger });
 */
export async function bundleWorkflowCode(options: WorkflowBundleOptions): Promise<WorkflowBundle> {
  const workflowsPath = resolveWorkflowsModule(resolveExistingModule(options.workflowsPath, 'workflowsPath'));
  const interceptorModules = [...new Set(options.workflowInterceptorModules ?? [])].map((path) =>
    resolveModulePath(path, 'workflowInterceptorModules'),
  );
  const payloadConverterPath =
    options.payloadConverterPath === undefined ? undefined : resolveExistingModule(options.payloadConverterPath, 'payloadConverterPath');
  const failureConverterPath =
    options.failureConverterPath === undefined ? undefined : resolveExistingModule(options.failureConverterPath, 'failureConverterPath');

  const resolveDirectory = dirname(workflowsPath);
  const entryCode = generateEntry({
    workerInterfacePath: resolveWorkflowLibrary('@temporalio/workflow/lib/worker-interface.js', resolveDirectory),
    globalOverridesPath: resolveWorkflowLibrary('@temporalio/workflow/lib/global-overrides.js', resolveDirectory),
    interceptorModules,
  });

  const stubbedImports: { module: string; importer: string }[] = [];
  const plugin = workflowBundlePlugin({
    entryCode,
    workflowsPath,
    payloadConverterPath,
    failureConverterPath,
    ignoreModules: options.ignoreModules ?? [],
    onStub: (module, importer) => stubbedImports.push({ module, importer }),
  });

  let result: Awaited<ReturnType<typeof Bun.build>>;
  try {
    result = await Bun.build({
      entrypoints: [ENTRY_SPECIFIER],
      target: 'browser',
      format: 'iife',
      sourcemap: 'external',
      minify: false,
      throw: false,
      plugins: [plugin],
    });
  } catch (cause) {
    // `throw: false` reports build problems in `logs`; what still throws is unexpected.
    throw new WorkflowBundleError(`bundling ${workflowsPath} failed: ${describeError(cause)}`, [], { cause });
  }

  const diagnostics = result.logs.map(toDiagnostic);
  if (!result.success) {
    const errors = diagnostics.filter((diagnostic) => diagnostic.level === 'error');
    const listed = (errors.length > 0 ? errors : diagnostics).map(formatDiagnostic).join('\n');
    throw new WorkflowBundleError(
      `the workflows in ${workflowsPath} could not be bundled; fix these errors and start the worker again:\n${listed}`,
      diagnostics,
    );
  }
  for (const warning of diagnostics.filter((diagnostic) => diagnostic.level === 'warning')) {
    options.logger?.warn(`workflow bundle: ${formatDiagnostic(warning)}`, { workflowsPath });
  }
  for (const { module, importer } of stubbedImports) {
    options.logger?.warn(
      `Workflow code imports '${module}' (from ${importer}); it is replaced by a stub that throws when used. ` +
        'Workflow code must be deterministic: move this work to an activity, or use `import type` if only types are needed.',
      { workflowsPath, module, importer },
    );
  }

  const codeArtifact = result.outputs.find((output) => output.kind === 'entry-point');
  const mapArtifact = result.outputs.find((output) => output.kind === 'sourcemap');
  if (!codeArtifact) throw new WorkflowBundleError(`Bun.build produced no code for ${workflowsPath}`, diagnostics);
  const code = await codeArtifact.text();
  const sourceMap = mapArtifact ? absolutizeSourceMap(await mapArtifact.text(), process.cwd()) : '';
  const filename = `temporal-workflow-bundle-${Bun.hash(code).toString(16)}.js`;
  options.logger?.info('Workflow bundle created', {
    workflowsPath,
    sizeKiB: Math.round(code.length / 1024),
  });
  return { code, sourceMap, filename };
}

function generateEntry(parts: { workerInterfacePath: string; globalOverridesPath: string; interceptorModules: string[] }): string {
  const interceptorRequires = parts.interceptorModules.map((path) => `require(${JSON.stringify(path)})`).join(', ');
  // The entry is an ES module (an IIFE bundle runs its top level). The workflows and interceptors
  // are loaded with `require` so they stay lazy: they are evaluated inside `initRuntime`, once the
  // activator exists, so module-level code already sees the workflow's Date and Math.random.
  return `
import * as api from ${JSON.stringify(parts.workerInterfacePath)};
import { overrideGlobals } from ${JSON.stringify(parts.globalOverridesPath)};
overrideGlobals();
globalThis.__TEMPORAL__ = {
  api,
  importWorkflows: function importWorkflows() { return require(${JSON.stringify(WORKFLOWS_SPECIFIER)}); },
  importInterceptors: function importInterceptors() { return [${interceptorRequires}]; },
};
`;
}

interface PluginParts {
  entryCode: string;
  workflowsPath: string;
  payloadConverterPath: string | undefined;
  failureConverterPath: string | undefined;
  ignoreModules: readonly string[];
  onStub: (module: string, importer: string) => void;
}

function workflowBundlePlugin(parts: PluginParts): BunPlugin {
  return {
    name: 'temporal-workflow-bundle',
    setup(build) {
      build.onResolve({ filter: /^temporal-bun-sdk:workflow-bundle-entry$/ }, () => ({ path: 'entry.js', namespace: ENTRY_NAMESPACE }));
      build.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, () => ({ contents: parts.entryCode, loader: 'js' }));
      build.onResolve({ filter: /^temporal-bun-sdk:workflows$/ }, () => ({ path: parts.workflowsPath }));

      build.onResolve({ filter: /^__temporal_custom_(payload|failure)_converter$/ }, (args) => {
        const path = args.path.includes('payload') ? parts.payloadConverterPath : parts.failureConverterPath;
        return path === undefined ? { path: args.path, namespace: EMPTY_NAMESPACE } : { path };
      });
      build.onLoad({ filter: /.*/, namespace: EMPTY_NAMESPACE }, () => ({ contents: 'module.exports = {};', loader: 'js' }));

      build.onResolve({ filter: /^[^./]/ }, (args) => {
        const module = args.path.startsWith('node:') ? args.path.slice('node:'.length) : args.path;
        if (args.path.startsWith('node:') || builtinModules.includes(module)) {
          if (allowedBuiltinModules.includes(module)) return { path: module, namespace: SHIM_NAMESPACE };
        }
        if (!isDisallowed(module, args.path)) return undefined;
        if (!moduleMatches(module, parts.ignoreModules)) parts.onStub(args.path, args.importer);
        return { path: module, namespace: STUB_NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: SHIM_NAMESPACE }, (args) => ({ contents: builtinShims[args.path] ?? 'module.exports = {};', loader: 'js' }));
      build.onLoad({ filter: /.*/, namespace: STUB_NAMESPACE }, (args) => ({ contents: disallowedModuleStub(args.path), loader: 'js' }));
    },
  };
}

function isDisallowed(module: string, specifier: string): boolean {
  if (specifier.startsWith('node:') || specifier === 'bun' || specifier.startsWith('bun:')) return true;
  return moduleMatches(module, disallowedBuiltinModules) || moduleMatches(module, disallowedPackages);
}

function moduleMatches(module: string, modules: readonly string[]): boolean {
  return modules.some((name) => module === name || module.startsWith(`${name}/`));
}

/**
 * A module whose every property access throws. Its `module.exports` is an empty object whose
 * prototype is a throwing proxy: the bundler's CommonJS interop copies own keys (none) and keeps
 * the prototype, so `import { readFileSync } from 'fs'`, `import fs from 'fs'` and `require('fs')`
 * all build, and fail only when workflow code actually uses the module.
 */
function disallowedModuleStub(module: string): string {
  const message =
    `'${module}' is not allowed in workflow code (use an activity): workflow code must be deterministic ` +
    'and must not reach the outside world. It was replaced by a stub when the workflows were bundled.';
  return `
const message = ${JSON.stringify(message)};
const fail = (member) => { const error = new Error(member === undefined ? message : message + ' (used: ' + member + ')'); error.name = 'DisallowedModuleError'; throw error; };
const thrower = new Proxy({}, {
  get(_target, key) {
    if (typeof key === 'symbol' || key === '__esModule' || key === 'then' || key === 'default') return undefined;
    return fail(String(key));
  },
  set(_target, key) { return fail(String(key)); },
});
module.exports = Object.create(thrower);
`;
}

function resolveExistingModule(path: string, optionName: string): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw new WorkflowBundleError(`${optionName} must be a path to a module, got ${JSON.stringify(path)}`);
  }
  const absolute = isAbsolute(path) ? path : resolve(path);
  if (!existsSync(absolute)) {
    throw new WorkflowBundleError(
      `${optionName} points to nothing: ${absolute} does not exist. Pass the path of a .ts or .js module ` +
        '(for example require.resolve("./workflows")).',
    );
  }
  return absolute;
}

/** A directory stands for its index module. */
function resolveWorkflowsModule(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  try {
    return Bun.resolveSync(path, dirname(path));
  } catch (cause) {
    throw new WorkflowBundleError(`workflowsPath is the directory ${path}, which has no index module`, [], { cause });
  }
}

/** Interceptor modules may be package names as well as paths. */
function resolveModulePath(path: string, optionName: string): string {
  if (path.startsWith('.') || isAbsolute(path)) return resolveExistingModule(path, optionName);
  try {
    return Bun.resolveSync(path, process.cwd());
  } catch (cause) {
    throw new WorkflowBundleError(`${optionName}: cannot resolve '${path}' from ${process.cwd()}`, [], { cause });
  }
}

/**
 * Resolves the worker interface from the `@temporalio/workflow` installed next to the workflows
 * (so it and the user's imports are one copy of the library), else this SDK's own copy. Looks for
 * an installed package rather than asking `Bun.resolveSync`, which may answer from Bun's global
 * install cache for a directory without `node_modules`, a copy whose dependencies the bundler
 * cannot resolve.
 */
function resolveWorkflowLibrary(specifier: string, fromDirectory: string): string {
  const packageName = '@temporalio/workflow';
  const subpath = specifier.slice(packageName.length + 1);
  for (let directory = fromDirectory; ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', packageName);
    if (existsSync(join(candidate, 'package.json')) && existsSync(join(candidate, subpath))) return join(candidate, subpath);
    if (dirname(directory) === directory) break;
  }
  try {
    return Bun.resolveSync(specifier, import.meta.dir);
  } catch (cause) {
    throw new WorkflowBundleError(
      `cannot resolve ${specifier} from ${fromDirectory}: install @temporalio/workflow next to your workflows`,
      [],
      { cause },
    );
  }
}

/** Bun writes `sources` relative to the working directory; stack traces want absolute paths. */
function absolutizeSourceMap(json: string, baseDirectory: string): string {
  const map = JSON.parse(json) as { sources?: string[] };
  if (Array.isArray(map.sources)) {
    map.sources = map.sources.map((source) =>
      isAbsolute(source) || /^[a-z-]+:/.test(source) ? source : resolve(baseDirectory, source),
    );
  }
  return JSON.stringify(map);
}

interface BunBuildLog {
  level?: string;
  message?: string;
  position?: { file?: string; line?: number; column?: number; lineText?: string } | null;
}

function toDiagnostic(log: unknown): WorkflowBundleDiagnostic {
  const entry = log as BunBuildLog;
  const diagnostic: WorkflowBundleDiagnostic = {
    level: (entry.level as WorkflowBundleDiagnostic['level'] | undefined) ?? 'error',
    message: entry.message ?? String(log),
  };
  const position = entry.position;
  if (position) {
    if (position.file) diagnostic.file = position.file;
    if (typeof position.line === 'number') diagnostic.line = position.line;
    if (typeof position.column === 'number') diagnostic.column = position.column;
    if (position.lineText) diagnostic.lineText = position.lineText;
  }
  return diagnostic;
}

function formatDiagnostic(diagnostic: WorkflowBundleDiagnostic): string {
  const where =
    diagnostic.file === undefined
      ? ''
      : `${diagnostic.file}${diagnostic.line === undefined ? '' : `:${diagnostic.line}`}${diagnostic.column === undefined ? '' : `:${diagnostic.column}`}: `;
  const excerpt = diagnostic.lineText ? `\n    ${diagnostic.lineText.trim()}` : '';
  return `  ${where}${diagnostic.level}: ${diagnostic.message}${excerpt}`;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
