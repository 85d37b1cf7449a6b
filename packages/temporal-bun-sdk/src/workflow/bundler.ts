/**
 * Bundles a workflows file, together with `@temporalio/workflow`'s worker interface, into one
 * script that each workflow sandbox evaluates (see `isolate-manager.ts`).
 *
 * One `Bun.build` call: a generated entry module registers `globalThis.__TEMPORAL__` (the worker
 * interface, plus lazy importers of the workflows and interceptor modules) and installs the
 * deterministic globals of `@temporalio/workflow/lib/global-overrides`. Node built-ins and
 * worker-only packages are replaced by stubs that throw a clear error when workflow code touches
 * them, so importing a module that merely mentions `fs` does not break the build.
 *
 * A worker that shares one context between runs (`reuseV8Context`) needs the same code in two
 * scripts instead ({@link bundleSharedContextWorkflowCode}): the SDK's library, evaluated once per
 * context, and the workflows' own modules, instantiated afresh for every run.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { BunPlugin } from 'bun';
import { defineLazyProperty } from '../common/lazy-property';
import { errorMessage } from '../common/error-message';
import type { Logger } from '../common/logger';
import { applyConfigureHooks, checkPlugins, type NamedPlugin } from '../common/plugins';
import { LibraryCache } from './library-cache';
import { runModulesScript } from './run-modules-script';

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
   * Modules to replace by a stub without a warning (any module, not only a disallowed one): imports
   * you know workflow code never uses at run time. The stub throws when used. Same matching as the
   * disallowed list (`name` or `name/sub/path`).
   */
  ignoreModules?: string[];
  /**
   * Plugins (`@temporalio/worker`'s `BundlerPlugin`; `SimplePlugin` is one): each
   * `configureBundler` changes these options, in order, before anything is bundled. A worker
   * passes its plugins here. Default none.
   */
  plugins?: BundlerPlugin[];
}

/** A plugin of the workflow bundler, shaped like `@temporalio/worker`'s `BundlerPlugin`. */
export interface BundlerPlugin extends NamedPlugin {
  configureBundler?(options: WorkflowBundleOptions): WorkflowBundleOptions;
}

/** `options` after its plugins' `configureBundler` hooks, in order. */
function configureBundleOptions(options: WorkflowBundleOptions): WorkflowBundleOptions {
  if (options.plugins === undefined || options.plugins.length === 0) return options;
  checkPlugins(options.plugins, ['configureBundler'], 'bundleWorkflowCode');
  return applyConfigureHooks(options.plugins, 'configureBundler', options, 'bundleWorkflowCode');
}

/** The bundled workflow code: evaluate `code` (named `filename` in stack traces) in a sandbox. */
export interface WorkflowBundle {
  code: string;
  /** Source map (JSON, version 3) of `code`, with `sources` made absolute. */
  sourceMap: string;
  /** Script name used for `code`; stack frames under this name are mapped through `sourceMap`. */
  filename: string;
  /**
   * What the bundle was built from, set by {@link bundleWorkflowCode}: lets
   * {@link bundleReusableWorkflowCode} split it for a worker that reuses its context. A bundle
   * without it can only run one context per run.
   */
  sources?: WorkflowBundleSources;
}

/** The inputs of a bundle (paths absolute). */
export interface WorkflowBundleSources {
  workflowsPath: string;
  interceptorModules: string[];
  payloadConverterPath: string | undefined;
  failureConverterPath: string | undefined;
  ignoreModules: string[];
  /** `@temporalio/workflow/lib/worker-interface.js` and `global-overrides.js`, as bundled. */
  workerInterfacePath: string;
  globalOverridesPath: string;
}

/** A script of a {@link ReusableWorkflowBundle}. */
export interface WorkflowScript {
  code: string;
  /** Source map (JSON, version 3) of `code`, with `sources` made absolute. */
  sourceMap: string;
  /** Script name used for `code` in stack traces. */
  filename: string;
}

/**
 * A bundle split for a context shared by many runs (see {@link bundleReusableWorkflowCode}).
 *
 * - `library` sets `globalThis.__TEMPORAL_LIBRARY__ = { api, overrideGlobals, modules }`: the
 *   worker interface, `overrideGlobals` and, by absolute path, every library module the workflows
 *   import. Evaluated once per context.
 * - `runModules` evaluates to `function (module, exports, require)`: called once per run, it
 *   instantiates the workflows, interceptors and converters afresh and exports their importers
 *   (`importWorkflows`, `importInterceptors`, `importPayloadConverter`, `importFailureConverter`);
 *   `require` returns the library's modules by path.
 */
export interface ReusableWorkflowBundle {
  library: WorkflowScript;
  runModules: WorkflowScript;
  /** The bundled `@temporalio/workflow/lib/worker-interface.js` (which version the bundle holds). */
  workerInterfacePath?: string;
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
/** The sandbox runtime (`sandbox-runtime/index.ts`): the first module every bundle evaluates. */
const SANDBOX_RUNTIME_PATH = join(import.meta.dir, 'sandbox-runtime', 'index.ts');
/** This package's sources: their bare imports resolve where the workflow library does (one copy of each). */
const SDK_SOURCE_DIRECTORY = dirname(import.meta.dir);
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
const RUN_CONVERTER_NAMESPACE = 'temporal-run-converter';

/** The library's view of a custom converter module: the one of the run being initialized. */
function runConverterModule(kind: 'payload' | 'failure'): string {
  const importer = kind === 'payload' ? 'importPayloadConverter' : 'importFailureConverter';
  return `
Object.defineProperty(module.exports, '${kind}Converter', {
  enumerable: true,
  get() { return globalThis.__TEMPORAL__.${importer}().${kind}Converter; },
});
`;
}

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
export async function bundleWorkflowCode(givenOptions: WorkflowBundleOptions): Promise<WorkflowBundle> {
  const options = configureBundleOptions(givenOptions);
  const {
    workflowsPath,
    interceptorModules,
    payloadConverterPath,
    failureConverterPath,
    workerInterfacePath,
    globalOverridesPath,
  } = resolveBundleInputs(options);
  const entryCode = generateEntry({ workerInterfacePath, globalOverridesPath, interceptorModules });

  const stubbedImports: { module: string; importer: string }[] = [];
  const plugin = workflowBundlePlugin({
    entryCode,
    libraryDirectory: dirname(workerInterfacePath),
    workflowsPath,
    payloadConverterPath,
    failureConverterPath,
    ignoreModules: options.ignoreModules ?? [],
    onStub: (module, importer) => stubbedImports.push({ module, importer }),
  });

  const result = await runBuild(workflowsPath, { format: 'iife', plugins: [plugin] });
  reportBuild(result, stubbedImports, workflowsPath, options.logger);

  const { code, sourceMap: pendingSourceMap } = await buildOutput(result, workflowsPath);
  const filename = `temporal-workflow-bundle-${Bun.hash(code).toString(16)}.js`;
  options.logger?.info('Workflow bundle created', {
    workflowsPath,
    sizeKiB: Math.round(code.length / 1024),
  });
  const sources: WorkflowBundleSources = {
    workflowsPath,
    interceptorModules,
    payloadConverterPath,
    failureConverterPath,
    ignoreModules: options.ignoreModules ?? [],
    workerInterfacePath,
    globalOverridesPath,
  };
  return withSourceMap({ code, filename, sources }, pendingSourceMap);
}

/**
 * The shared-context split of the workflows a bundle made by {@link bundleWorkflowCode} was built
 * from ({@link bundleSharedContextWorkflowCode} of the same inputs).
 *
 * Throws {@link WorkflowBundleError} when the bundle carries no `sources` or the split fails.
 */
export async function bundleReusableWorkflowCode(bundle: WorkflowBundle): Promise<ReusableWorkflowBundle> {
  const sources = bundle.sources;
  if (sources === undefined) {
    throw new WorkflowBundleError(
      `the workflow bundle ${bundle.filename} records no sources; make it with bundleWorkflowCode to share a context between runs`,
    );
  }
  return bundleSharedContextWorkflowCode({
    workflowsPath: sources.workflowsPath,
    workflowInterceptorModules: sources.interceptorModules,
    payloadConverterPath: sources.payloadConverterPath,
    failureConverterPath: sources.failureConverterPath,
    ignoreModules: sources.ignoreModules,
  });
}

/**
 * Bundles `workflowsPath` for a context shared by many runs, without first making the whole
 * bundle: what a worker with `reuseV8Context` runs. Two `Bun.build` calls, one after the other:
 * the per-run modules first, with every import that lands in a library package (the installed
 * `@temporalio/workflow` and the packages it depends on) left external and recorded; then the
 * library, which exposes exactly those modules by path. The split follows packages, so a module of
 * those packages that only the workflows import is shared too (those packages are written to keep
 * what belongs to a run on its activator).
 */
export async function bundleSharedContextWorkflowCode(
  givenOptions: WorkflowBundleOptions,
): Promise<ReusableWorkflowBundle> {
  const options = configureBundleOptions(givenOptions);
  const {
    workflowsPath,
    interceptorModules,
    payloadConverterPath,
    failureConverterPath,
    workerInterfacePath,
    globalOverridesPath,
  } = resolveBundleInputs(options);
  const stubbedImports: { module: string; importer: string }[] = [];
  const pluginParts = {
    libraryDirectory: dirname(workerInterfacePath),
    workflowsPath,
    payloadConverterPath,
    failureConverterPath,
    ignoreModules: options.ignoreModules ?? [],
  };
  const exposed = new Set<string>([workerInterfacePath, globalOverridesPath]);
  const runModulesResult = await runBuild(workflowsPath, {
    format: 'cjs',
    plugins: [
      workflowBundlePlugin({
        ...pluginParts,
        entryCode: runModulesEntryCode(interceptorModules, {
          payload: payloadConverterPath !== undefined,
          failure: failureConverterPath !== undefined,
        }),
        convertersFromRun: false,
        onStub: (module, importer) => stubbedImports.push({ module, importer }),
      }),
      libraryPackagesExternalPlugin(libraryPackageRoots(workerInterfacePath), exposed),
    ],
  });
  reportBuild(runModulesResult, stubbedImports, workflowsPath, options.logger);
  const library = await buildLibrary(
    workflowsPath,
    { ...pluginParts, entryCode: libraryEntryCode(workerInterfacePath, globalOverridesPath, exposed) },
    options.logger,
  );
  const runModules = await buildOutput(runModulesResult, workflowsPath);
  const bundle = reusableBundleOutput(library, runModules, workerInterfacePath);
  options.logger?.info('Workflow bundle created', {
    workflowsPath,
    sizeKiB: Math.round((bundle.library.code.length + bundle.runModules.code.length) / 1024),
  });
  return bundle;
}

/**
 * The library script of a shared context, from the cache when nothing it is built from changed
 * (`library-cache.ts`), else built and stored there.
 */
async function buildLibrary(
  workflowsPath: string,
  parts: Omit<PluginParts, 'onStub' | 'convertersFromRun'>,
  logger: Logger | undefined,
): Promise<{ code: string; sourceMap: PendingSourceMap }> {
  const cache = LibraryCache.open(
    { entryCode: parts.entryCode, ignoreModules: parts.ignoreModules },
    parts.libraryDirectory,
    logger,
  );
  const cached = cache?.read();
  if (cached !== undefined) {
    return {
      code: cached.code,
      sourceMap: { bytes: cached.sourceMapBytes, baseDirectory: cached.baseDirectory, linesAbove: 0 },
    };
  }
  const startedAtMs = cache?.buildStarted() ?? 0;
  const result = await runBuild(workflowsPath, {
    format: 'iife',
    metafile: cache !== undefined,
    plugins: [workflowBundlePlugin({ ...parts, convertersFromRun: true, onStub: () => undefined })],
  });
  const library = await buildOutput(result, workflowsPath);
  cache?.write(
    { code: library.code, sourceMapBytes: library.sourceMap.bytes, baseDirectory: library.sourceMap.baseDirectory },
    Object.keys(result.metafile?.inputs ?? {}),
    startedAtMs,
  );
  return library;
}

function reusableBundleOutput(
  library: { code: string; sourceMap: PendingSourceMap },
  runModules: { code: string; sourceMap: PendingSourceMap },
  workerInterfacePath: string,
): ReusableWorkflowBundle {
  const hash = Bun.hash(library.code + runModules.code).toString(16);
  const script = runModulesScript(runModules.code);
  return {
    library: withSourceMap({ code: library.code, filename: `temporal-workflow-library-${hash}.js` }, library.sourceMap),
    runModules: withSourceMap(
      { code: script.code, filename: `temporal-workflow-runs-${hash}.js` },
      { ...runModules.sourceMap, linesAbove: script.linesShift },
    ),
    workerInterfacePath,
  };
}

/** The library script's entry: the runtime, the worker interface, and the modules runs require. */
function libraryEntryCode(workerInterfacePath: string, globalOverridesPath: string, exposed: Iterable<string>): string {
  return [
    `import { installSharedLibrary } from ${JSON.stringify(SANDBOX_RUNTIME_PATH)};`,
    `const api = require(${JSON.stringify(workerInterfacePath)});`,
    `const { overrideGlobals } = require(${JSON.stringify(globalOverridesPath)});`,
    'const modules = Object.create(null);',
    ...[...exposed].map((path) => `modules[${JSON.stringify(path)}] = require(${JSON.stringify(path)});`),
    'installSharedLibrary({ api, overrideGlobals, modules });',
    // An ES module: its top level runs when the script is evaluated (a CommonJS entry would wait for a require).
    'export {};',
  ].join('\n');
}

/**
 * The run-module script's entry: the importers of each run's own modules. A CommonJS module, so
 * that Bun gives it no namespace object (getters, a CommonJS view) per run; a converter that is
 * not configured is an empty object, not an empty module to instantiate.
 */
function runModulesEntryCode(
  interceptorModules: readonly string[],
  converters: { payload: boolean; failure: boolean },
): string {
  const converterModule = (configured: boolean, specifier: string) => (configured ? `require('${specifier}')` : '{}');
  return `
${WORKFLOWS_CHECK}
module.exports = {
${importerProperties(interceptorModules)}
  importPayloadConverter: function importPayloadConverter() { return ${converterModule(converters.payload, '__temporal_custom_payload_converter')}; },
  importFailureConverter: function importFailureConverter() { return ${converterModule(converters.failure, '__temporal_custom_failure_converter')}; },
};
`;
}

/** Build warnings and stubbed imports, to the logger. */
function reportBuild(
  result: Awaited<ReturnType<typeof Bun.build>>,
  stubbedImports: { module: string; importer: string }[],
  workflowsPath: string,
  logger: Logger | undefined,
): void {
  for (const warning of result.logs.map(toDiagnostic).filter((diagnostic) => diagnostic.level === 'warning')) {
    logger?.warn(`workflow bundle: ${formatDiagnostic(warning)}`, { workflowsPath });
  }
  for (const { module, importer } of stubbedImports) {
    logger?.warn(
      `Workflow code imports '${module}' (from ${importer}); it is replaced by a stub that throws when used. ` +
        'Workflow code must be deterministic: move this work to an activity, or use `import type` if only types are needed.',
      { workflowsPath, module, importer },
    );
  }
}

/**
 * The installed packages the library shares: `@temporalio/workflow` (where the worker interface
 * is) and, transitively, the packages it depends on, found as Node resolves them.
 */
function libraryPackageRoots(workerInterfacePath: string): Set<string> {
  const first = packageRoot(workerInterfacePath);
  const roots = new Set<string>();
  const pending = first === undefined ? [] : [first];
  while (pending.length > 0) {
    const root = pending.pop()!;
    if (roots.has(root)) continue;
    roots.add(root);
    let manifest: { dependencies?: Record<string, string> };
    try {
      manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const found = findInstalledPackage(name, root);
      if (found !== undefined) pending.push(found);
    }
  }
  return roots;
}

/** The directory of package `name` as seen from `fromDirectory` (node_modules lookup upwards). */
function findInstalledPackage(name: string, fromDirectory: string): string | undefined {
  for (let directory = fromDirectory; ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(directory) === directory) return undefined;
  }
}

/** Per-run build: an import that resolves into a library package stays external, required by path. */
function libraryPackagesExternalPlugin(libraryRoots: Set<string>, exposed: Set<string>): BunPlugin {
  return {
    name: 'temporal-library-packages',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (!isAbsolute(args.importer) || isGeneratedModule(args.path)) return undefined;
        let resolved: string;
        try {
          resolved = realpathSync(Bun.resolveSync(args.path, dirname(args.importer)));
        } catch {
          return undefined; // the build reports it
        }
        const root = packageRoot(resolved);
        if (root === undefined || !libraryRoots.has(root)) return undefined;
        exposed.add(resolved);
        return { path: resolved, external: true };
      });
    },
  };
}

/** The directory of the installed package a module belongs to (`…/node_modules/@scope/name`), if any. */
function packageRoot(module: string): string | undefined {
  const match = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(module);
  return match?.[1];
}

function isGeneratedModule(module: string): boolean {
  return /^[a-z-]+:/.test(module);
}

async function runBuild(
  workflowsPath: string,
  config: { format: 'iife' | 'cjs'; plugins: BunPlugin[]; metafile?: boolean },
): Promise<Awaited<ReturnType<typeof Bun.build>>> {
  let result: Awaited<ReturnType<typeof Bun.build>>;
  try {
    result = await Bun.build({
      entrypoints: [ENTRY_SPECIFIER],
      target: 'browser',
      format: config.format,
      sourcemap: 'external',
      minify: false,
      throw: false,
      metafile: config.metafile ?? false,
      plugins: config.plugins,
    });
  } catch (cause) {
    // `throw: false` reports build problems in `logs`; what still throws is unexpected.
    throw new WorkflowBundleError(`bundling ${workflowsPath} failed: ${errorMessage(cause)}`, [], { cause });
  }
  if (!result.success) {
    const diagnostics = result.logs.map(toDiagnostic);
    const errors = diagnostics.filter((diagnostic) => diagnostic.level === 'error');
    const listed = (errors.length > 0 ? errors : diagnostics).map(formatDiagnostic).join('\n');
    throw new WorkflowBundleError(
      `the workflows in ${workflowsPath} could not be bundled; fix these errors and start the worker again:\n${listed}`,
      diagnostics,
    );
  }
  return result;
}

/**
 * The code of a build, and its source map as the bytes Bun wrote. The map (a megabyte for the
 * workflow library) is only needed to map a stack, so turning it into the public `sourceMap` string
 * (decoded, `sources` made absolute) waits for the first read of that property ({@link withSourceMap}).
 */
async function buildOutput(
  result: Awaited<ReturnType<typeof Bun.build>>,
  workflowsPath: string,
): Promise<{ code: string; sourceMap: PendingSourceMap }> {
  const codeArtifact = result.outputs.find((output) => output.kind === 'entry-point');
  const mapArtifact = result.outputs.find((output) => output.kind === 'sourcemap');
  if (!codeArtifact)
    throw new WorkflowBundleError(`Bun.build produced no code for ${workflowsPath}`, result.logs.map(toDiagnostic));
  const code = await codeArtifact.text();
  const sourceMap: PendingSourceMap = {
    bytes: mapArtifact ? new Uint8Array(await mapArtifact.arrayBuffer()) : new Uint8Array(0),
    baseDirectory: process.cwd(),
    linesAbove: 0,
  };
  return { code, sourceMap };
}

/** A source map as Bun wrote it, to be finished on first use. */
interface PendingSourceMap {
  bytes: Uint8Array;
  /** Bun writes `sources` relative to the working directory of the build. */
  baseDirectory: string;
  /** Lines inserted above the built code. */
  linesAbove: number;
}

/** `target` with a `sourceMap` property that finishes `pending` on its first read. */
function withSourceMap<T extends object>(target: T, pending: PendingSourceMap): T & { sourceMap: string } {
  return defineLazyProperty(target, 'sourceMap', () => finishSourceMap(pending));
}

function finishSourceMap({ bytes, baseDirectory, linesAbove }: PendingSourceMap): string {
  if (bytes.length === 0) return '';
  const map = JSON.parse(new TextDecoder().decode(bytes)) as { sources?: string[]; mappings?: string };
  if (Array.isArray(map.sources)) {
    map.sources = map.sources.map((source) =>
      isAbsolute(source) || /^[a-z-]+:/.test(source) ? source : resolve(baseDirectory, source),
    );
  }
  if (linesAbove > 0 && typeof map.mappings === 'string') map.mappings = ';'.repeat(linesAbove) + map.mappings;
  return JSON.stringify(map);
}

/** The absolute inputs of a bundle, checked: the modules exist, `@temporalio/workflow` resolves. */
function resolveBundleInputs(options: WorkflowBundleOptions) {
  const workflowsPath = resolveWorkflowsModule(resolveExistingModule(options.workflowsPath, 'workflowsPath'));
  const interceptorModules = [...new Set(options.workflowInterceptorModules ?? [])].map((path) =>
    resolveModulePath(path, 'workflowInterceptorModules'),
  );
  const payloadConverterPath =
    options.payloadConverterPath === undefined
      ? undefined
      : resolveExistingModule(options.payloadConverterPath, 'payloadConverterPath');
  const failureConverterPath =
    options.failureConverterPath === undefined
      ? undefined
      : resolveExistingModule(options.failureConverterPath, 'failureConverterPath');

  const resolveDirectory = dirname(workflowsPath);
  // Real paths: the per-run build of a shared context compares them with what the resolver answers.
  const workerInterfacePath = realpathSync(
    resolveWorkflowLibrary('@temporalio/workflow/lib/worker-interface.js', resolveDirectory),
  );
  const globalOverridesPath = realpathSync(
    resolveWorkflowLibrary('@temporalio/workflow/lib/global-overrides.js', resolveDirectory),
  );
  return {
    workflowsPath,
    interceptorModules,
    payloadConverterPath,
    failureConverterPath,
    workerInterfacePath,
    globalOverridesPath,
  };
}

/**
 * The `importWorkflows` and `importInterceptors` properties of an entry's object literal. Both
 * `require`, so the modules stay lazy: they are evaluated inside `initRuntime`, once the activator
 * exists.
 */
function importerProperties(interceptorModules: readonly string[]): string {
  return `  importWorkflows: function importWorkflows() { return ${WORKFLOWS_WITH_A_FUNCTION}(require(${JSON.stringify(WORKFLOWS_SPECIFIER)})); },
  importInterceptors: function importInterceptors() { return [${requireList(interceptorModules)}]; },`;
}

/** `require(a), require(b), …` of module paths, as entry source. */
function requireList(paths: readonly string[]): string {
  return paths.map((path) => `require(${JSON.stringify(path)})`).join(', ');
}

function generateEntry(parts: {
  workerInterfacePath: string;
  globalOverridesPath: string;
  interceptorModules: string[];
}): string {
  // The entry is an ES module (an IIFE bundle runs its top level). The workflows and interceptors
  // are loaded with `require` so they stay lazy: they are evaluated inside `initRuntime`, once the
  // activator exists, so module-level code already sees the workflow's Date and Math.random.
  return `
import { installOwnContextRuntime } from ${JSON.stringify(SANDBOX_RUNTIME_PATH)};
import * as api from ${JSON.stringify(parts.workerInterfacePath)};
import { overrideGlobals } from ${JSON.stringify(parts.globalOverridesPath)};
${REQUIRE_SHIM}
${WORKFLOWS_CHECK}
overrideGlobals();
globalThis.__TEMPORAL__ = {
  api,
${importerProperties(parts.interceptorModules)}
};
installOwnContextRuntime(api);
`;
}

/**
 * What Bun's bundler leaves of \`require.resolve('./x')\` in a script: \`__require.resolve("/abs/x")\`,
 * with no \`__require\` defined. Module-level code such as \`payloadConverterPath:
 * require.resolve('./converter')\` (Temporal's feature suite keeps worker options beside its
 * workflows) then failed in the sandbox. It yields the path the bundler wrote (the official SDK
 * yields a webpack module id: nothing may rely on the value inside the sandbox); a dynamic
 * \`require(x)\` is an error that says why.
 */
const REQUIRE_SHIM = `globalThis.__require = Object.assign(
  function __require(id) { throw new Error('require(' + JSON.stringify(id) + ') cannot be resolved in workflow code: import the module instead'); },
  { resolve: function resolve(id) { return id; } },
);`;

/**
 * The workflows module as each run imports it, refused when it exports no function at all (the
 * wrong file, or a file of another kind): the worker's start-up probe run reports it, with the
 * module's export names, instead of every workflow task failing later.
 */
const WORKFLOWS_WITH_A_FUNCTION = '__temporalWorkflowsWithAFunction';
const WORKFLOWS_CHECK = `function ${WORKFLOWS_WITH_A_FUNCTION}(workflows) {
  for (const key in workflows) if (typeof workflows[key] === 'function') return workflows;
  const names = Object.keys(workflows);
  throw new TypeError('the workflows module exports no function' + (names.length === 0 ? '' : ' (it exports ' + names.join(', ') + ')') + ': workflowsPath must be a module exporting workflow functions');
}`;

interface PluginParts {
  entryCode: string;
  workflowsPath: string;
  payloadConverterPath: string | undefined;
  failureConverterPath: string | undefined;
  ignoreModules: readonly string[];
  onStub: (module: string, importer: string) => void;
  /** Where the bundle's `@temporalio/workflow` is installed: the runtime's imports resolve from there. */
  libraryDirectory: string;
  /**
   * The library of a shared context: the worker interface's `require` of a custom converter reads
   * the running run's converter module, instantiated with its other modules. Default false.
   */
  convertersFromRun?: boolean;
}

function workflowBundlePlugin(parts: PluginParts): BunPlugin {
  return {
    name: 'temporal-workflow-bundle',
    setup(build) {
      // Resolves as the library's own `require` calls do (CommonJS conditions).
      const requireFromLibrary = createRequire(join(parts.libraryDirectory, 'index.js'));
      build.onResolve({ filter: /^temporal-bun-sdk:workflow-bundle-entry$/ }, () => ({
        path: 'entry.js',
        namespace: ENTRY_NAMESPACE,
      }));
      build.onLoad({ filter: /.*/, namespace: ENTRY_NAMESPACE }, () => ({ contents: parts.entryCode, loader: 'js' }));
      build.onResolve({ filter: /^temporal-bun-sdk:workflows$/ }, () => ({ path: parts.workflowsPath }));
      // The OpenTelemetry interceptors reach `@temporalio/workflow` through a module of stubs, to keep
      // it an optional peer dependency; in a workflow bundle it is the module of real imports
      // beside it (the official bundler swaps the same module).
      build.onResolve({ filter: /^\.\/workflow-imports(\.js)?$/ }, (args) =>
        OPENTELEMETRY_WORKFLOW_DIRECTORY.test(dirname(args.importer))
          ? { path: join(dirname(args.importer), 'workflow-imports-impl.js') }
          : undefined,
      );

      build.onResolve({ filter: /^__temporal_custom_(payload|failure)_converter$/ }, (args) => {
        if (parts.convertersFromRun) return { path: args.path, namespace: RUN_CONVERTER_NAMESPACE };
        const path = args.path.includes('payload') ? parts.payloadConverterPath : parts.failureConverterPath;
        return path === undefined ? { path: args.path, namespace: EMPTY_NAMESPACE } : { path };
      });
      build.onLoad({ filter: /.*/, namespace: EMPTY_NAMESPACE }, () => ({
        contents: 'module.exports = {};',
        loader: 'js',
      }));
      build.onLoad({ filter: /.*/, namespace: RUN_CONVERTER_NAMESPACE }, (args) => ({
        contents: runConverterModule(args.path.includes('payload') ? 'payload' : 'failure'),
        loader: 'js',
      }));

      build.onResolve({ filter: /^[^./]/ }, (args) => {
        // The sandbox runtime's own imports (long, @temporalio/common…): the workflows' copy, the
        // very module the library requires. `long` has an ES module entry and a CommonJS one, and
        // resolving an import would pick the other: two copies of it in every bundle.
        if (args.importer.startsWith(SDK_SOURCE_DIRECTORY) && !args.path.startsWith('node:')) {
          try {
            return { path: requireFromLibrary.resolve(args.path) };
          } catch {
            return undefined; // not beside the workflow library: this package's own copy
          }
        }
        const module = args.path.startsWith('node:') ? args.path.slice('node:'.length) : args.path;
        if (args.path.startsWith('node:') || builtinModules.includes(module)) {
          if (allowedBuiltinModules.includes(module)) return { path: module, namespace: SHIM_NAMESPACE };
        }
        // An ignored module is stubbed whatever it is (not only a disallowed one), without a warning.
        const ignored = moduleMatches(module, parts.ignoreModules);
        if (!ignored && !isDisallowed(module, args.path)) return undefined;
        if (!ignored) parts.onStub(args.path, args.importer);
        return { path: module, namespace: STUB_NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: SHIM_NAMESPACE }, (args) => ({
        contents: builtinShims[args.path] ?? 'module.exports = {};',
        loader: 'js',
      }));
      build.onLoad({ filter: /.*/, namespace: STUB_NAMESPACE }, (args) => ({
        contents: disallowedModuleStub(args.path),
        loader: 'js',
      }));
    },
  };
}

/** `lib/workflow` (or `src/workflow`) of `@temporalio/interceptors-opentelemetry` (or its `-v2`). */
const OPENTELEMETRY_WORKFLOW_DIRECTORY =
  /[\\/](?:@temporalio|contrib)[\\/]interceptors-opentelemetry(?:-v2)?[\\/](?:src|lib)[\\/]workflow$/;

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
    if (existsSync(join(candidate, 'package.json')) && existsSync(join(candidate, subpath)))
      return join(candidate, subpath);
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
