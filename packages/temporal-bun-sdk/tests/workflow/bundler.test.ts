/**
 * bundleWorkflowCode: what a user sees when bundling goes wrong (a syntax error, a missing file, a
 * disallowed import), and what the bundle carries for stack traces.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import vm from 'node:vm';
import { createWorkflowContext } from '../../src/workflow/vm-shared';
import { WorkflowBundleError, bundleReusableWorkflowCode, bundleWorkflowCode } from '../../src/workflow/bundler';
import { runModulesScript } from '../../src/workflow/run-modules-script';
import { SourceMapLookup } from '../../src/workflow/source-map';
import { RecordingLogger } from './harness';

const fixtures = resolve(import.meta.dir, 'fixtures');
const scratchDirectory = mkdtempSync(join(tmpdir(), 'tbs-bundler-test-'));

afterAll(() => {
  rmSync(scratchDirectory, { recursive: true, force: true });
});

async function bundleError(promise: Promise<unknown>): Promise<WorkflowBundleError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkflowBundleError) return error;
    throw error;
  }
  throw new Error('expected bundling to fail, but it succeeded');
}

describe('bundleWorkflowCode', () => {
  test('a workflows file with a syntax error fails with a WorkflowBundleError naming file:line', async () => {
    const brokenPath = join(scratchDirectory, 'broken-workflows.ts');
    writeFileSync(
      brokenPath,
      ['export async function broken(): Promise<void> {', '  const value = (1 + ;', '}', ''].join('\n'),
    );
    const error = await bundleError(bundleWorkflowCode({ workflowsPath: brokenPath }));
    expect(error.message).toContain(`${brokenPath}:2:`);
    expect(error.diagnostics[0]).toMatchObject({ level: 'error', file: brokenPath, line: 2 });
  });

  test('an import that does not resolve fails with a WorkflowBundleError naming the module and the importer', async () => {
    const path = join(scratchDirectory, 'unresolved-workflows.ts');
    writeFileSync(
      path,
      "import { helper } from './no-such-helper';\nexport async function uses(): Promise<string> { return helper(); }\n",
    );
    const error = await bundleError(bundleWorkflowCode({ workflowsPath: path }));
    expect(error.message).toContain('no-such-helper');
    expect(error.message).toContain(`${path}:1:`);
  });

  test('a missing workflowsPath fails with a WorkflowBundleError naming the path', async () => {
    const missing = join(scratchDirectory, 'does-not-exist.ts');
    const error = await bundleError(bundleWorkflowCode({ workflowsPath: missing }));
    expect(error.message).toContain(`workflowsPath points to nothing: ${missing} does not exist`);
  });

  test('a missing payloadConverterPath fails with a WorkflowBundleError naming the option', async () => {
    const error = await bundleError(
      bundleWorkflowCode({
        workflowsPath: join(fixtures, 'workflows.ts'),
        payloadConverterPath: join(scratchDirectory, 'nope.ts'),
      }),
    );
    expect(error.message).toContain('payloadConverterPath points to nothing');
  });

  test('a disallowed import is stubbed: the build warns naming the importer, and using it throws a clear error', async () => {
    const logger = new RecordingLogger();
    const workflowsPath = join(fixtures, 'disallowed-import-workflows.ts');
    const bundle = await bundleWorkflowCode({ workflowsPath, logger });
    const warnings = logger.records.filter((record) => record.level === 'WARN');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain(`imports 'node:fs' (from ${workflowsPath})`);

    const { context } = createWorkflowContext(quietHooks);
    new vm.Script(bundle.code, { filename: bundle.filename }).runInContext(context);
    const outcome = vm.runInContext(
      `globalThis.__outcome = {}; __TEMPORAL__.importWorkflows().readsConfigFile().catch((error) => { __outcome.message = error.message; __outcome.name = error.name; }); __outcome`,
      context,
    ) as { message?: string; name?: string };
    expect(outcome.name).toBe('DisallowedModuleError');
    expect(outcome.message).toContain("'fs' is not allowed in workflow code (use an activity)");
    expect(outcome.message).toContain('(used: readFileSync)');
  });

  test('the bundle registers the worker interface and maps back to the workflows source', async () => {
    const workflowsPath = join(fixtures, 'workflows.ts');
    const bundle = await bundleWorkflowCode({ workflowsPath });
    expect(bundle.filename).toMatch(/^temporal-workflow-bundle-[0-9a-f]+\.js$/);

    const { context } = createWorkflowContext(quietHooks);
    new vm.Script(bundle.code, { filename: bundle.filename }).runInContext(context);
    expect(vm.runInContext('typeof __TEMPORAL__.api.initRuntime + typeof __TEMPORAL__.importWorkflows', context)).toBe(
      'functionfunction',
    );

    const sourceMap = SourceMapLookup.fromJson(bundle.sourceMap)!;
    expect(sourceMap.map.sources).toContain(workflowsPath);
    // The line declaring `sleeper` in the bundle maps to its line in workflows.ts.
    const bundleLines = bundle.code.split('\n');
    const bundleLine = bundleLines.findIndex((line) => line.includes('async function sleeper(')) + 1;
    const column = bundleLines[bundleLine - 1]!.indexOf('async function sleeper(') + 1;
    const original = sourceMap.originalPositionFor(bundleLine, column);
    const sourceLines = (await Bun.file(workflowsPath).text()).split('\n');
    expect(original?.source).toBe(workflowsPath);
    expect(sourceLines[original!.line - 1]).toContain('export async function sleeper(');
  });

  test("the sandbox runtime's imports are the modules the library requires: one copy of long, not its ES and CommonJS entries both", async () => {
    const workflowsPath = join(fixtures, 'workflows.ts');
    const bundle = await bundleWorkflowCode({ workflowsPath });
    const { library } = await bundleReusableWorkflowCode(bundle);
    for (const code of [bundle.code, library.code]) {
      // Bun heads each module with a `// path` line. `long` has an ES module entry and a CommonJS one.
      const modules = [...code.matchAll(/^\s*\/\/ (\S*node_modules\/\S+\.[cm]?js)$/gm)].map((match) => match[1]!);
      expect(modules.filter((path) => /node_modules\/long\//.test(path))).toEqual([
        expect.stringMatching(/node_modules\/long\/umd\/index\.js$/),
      ]);
    }
  });
});

describe('a bundle as data', () => {
  test('its source map (finished on first read) is an own enumerable string: JSON, spreads and assignment see it', async () => {
    const workflowsPath = join(fixtures, 'workflows.ts');
    const bundle = await bundleWorkflowCode({ workflowsPath });
    expect(Object.keys(bundle)).toContain('sourceMap');
    const written = JSON.parse(JSON.stringify(bundle)) as typeof bundle;
    expect(typeof written.sourceMap).toBe('string');
    expect(written.sourceMap).toBe(bundle.sourceMap);
    expect(JSON.parse(written.sourceMap).sources).toContain(workflowsPath);
    expect({ ...bundle }.sourceMap).toBe(bundle.sourceMap);
    const { runModules, library } = await bundleReusableWorkflowCode(bundle);
    for (const script of [runModules, library]) {
      expect(Object.keys({ ...script }).sort()).toEqual(['code', 'filename', 'sourceMap']);
      expect(JSON.parse(script.sourceMap).version).toBe(3);
    }
    bundle.sourceMap = '';
    expect(bundle.sourceMap).toBe('');
  });
});

/** A sandbox's capabilities for a test that evaluates a bundle by hand. */
const quietHooks = { mapPosition: () => undefined, log: () => undefined };

describe('bundleReusableWorkflowCode', () => {
  test('the library holds the SDK once and exposes by path what the workflows import; the run modules hold only the workflows', async () => {
    const workflowsPath = join(fixtures, 'workflows.ts');
    const { library, runModules } = await bundleReusableWorkflowCode(await bundleWorkflowCode({ workflowsPath }));
    expect(library.filename).toMatch(/^temporal-workflow-library-[0-9a-f]+\.js$/);
    expect(runModules.filename).toMatch(/^temporal-workflow-runs-[0-9a-f]+\.js$/);

    const { context } = createWorkflowContext(quietHooks);
    new vm.Script(library.code, { filename: library.filename }).runInContext(context);
    // The library registers the worker interface with the sandbox runtime, and its modules by path.
    expect(vm.runInContext('typeof __temporal_dispatch', context)).toBe('function');
    const exposed = [...library.code.matchAll(/modules\["([^"]+)"\] = /g)].map((match) => match[1]!);
    expect(exposed).toContain(require.resolve('@temporalio/workflow/lib/worker-interface.js'));
    // Every library module the run modules require is exposed; the library is not bundled again.
    const required = [...runModules.code.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]!);
    expect(required.length).toBeGreaterThan(0);
    for (const path of required) expect(exposed).toContain(path);
    expect(runModules.code).not.toContain('function initRuntime(');
    const factory = new vm.Script(runModules.code, { filename: runModules.filename }).runInContext(context);
    expect(typeof factory).toBe('function');
  });

  test('the run modules map back to the workflows source despite the factory wrapper', async () => {
    const workflowsPath = join(fixtures, 'workflows.ts');
    const { runModules } = await bundleReusableWorkflowCode(await bundleWorkflowCode({ workflowsPath }));
    const sourceMap = SourceMapLookup.fromJson(runModules.sourceMap)!;
    const lines = runModules.code.split('\n');
    const line = lines.findIndex((text) => text.includes('async function sleeper(')) + 1;
    const original = sourceMap.originalPositionFor(line, lines[line - 1]!.indexOf('async function sleeper(') + 1);
    expect(original?.source).toBe(workflowsPath);
    expect((await Bun.file(workflowsPath).text()).split('\n')[original!.line - 1]).toContain(
      'export async function sleeper(',
    );
  });

  test("each run instantiates its own modules, with live exports, while Bun's helpers are defined once for all runs", async () => {
    const directory = join(scratchDirectory, 'run-modules');
    mkdirSync(directory, { recursive: true });
    writeFileSync(
      join(directory, 'counter.ts'),
      'export let count = 0;\nexport function bump(): number {\n  count += 1;\n  return count;\n}\n',
    );
    const workflowsPath = join(directory, 'workflows.ts');
    writeFileSync(
      workflowsPath,
      `import * as counter from './counter';
export { counter };
export async function counting(): Promise<void> {}
export function bumpAndRead(): number {
  counter.bump();
  return counter.count;
}
export function viaRequire(): typeof counter {
  return require('./counter');
}
export function assignToNamespace(): number {
  const namespace: Record<string, unknown> = counter;
  namespace.count = 10;
  return counter.count;
}
`,
    );
    const { runModules } = await bundleReusableWorkflowCode(await bundleWorkflowCode({ workflowsPath }));
    // The helpers sit above the per-run factory, and a namespace's exports carry no setter.
    expect(runModules.code.indexOf('var __export =')).toBeGreaterThan(0);
    expect(runModules.code.indexOf('var __export =')).toBeLessThan(
      runModules.code.indexOf('function temporalRunModules('),
    );
    expect(runModules.code).not.toContain('__exportSetter.bind(');

    const factory = new vm.Script(runModules.code).runInContext(vm.createContext({}));
    const instantiate = () => {
      const module = { exports: {} as { importWorkflows(): Record<string, (...args: never[]) => unknown> } };
      factory(module, module.exports, (path: string) => {
        throw new Error(`unexpected require of ${path}`);
      });
      return module.exports.importWorkflows();
    };
    // The entry is a plain object of importers (no getters); an unconfigured converter is empty.
    const entry = { exports: {} as Record<string, () => unknown> };
    factory(entry, entry.exports, () => undefined);
    expect(Object.keys(entry.exports).sort()).toEqual([
      'importFailureConverter',
      'importInterceptors',
      'importPayloadConverter',
      'importWorkflows',
    ]);
    expect(typeof Object.getOwnPropertyDescriptor(entry.exports, 'importWorkflows')?.value).toBe('function');
    expect(entry.exports.importPayloadConverter!()).toEqual({});
    expect(entry.exports.importFailureConverter!()).toEqual({});
    const first = instantiate();
    const second = instantiate();
    expect([first.bumpAndRead!(), first.bumpAndRead!(), second.bumpAndRead!()]).toEqual([1, 2, 1]);
    // require() of an ES module: a CommonJS view whose properties follow the module's bindings.
    const required = first.viaRequire!() as unknown as { __esModule: boolean; count: number };
    expect(required.__esModule).toBe(true);
    expect(Object.keys(required).sort()).toEqual(['bump', 'count']);
    expect(required.count).toBe(2);
    first.bumpAndRead!();
    expect(required.count).toBe(3);
    expect((first.counter as unknown as { count: number }).count).toBe(3);
    // A namespace is read-only: the assignment changes nothing.
    expect(first.assignToNamespace!()).toBe(3);
    expect((second.viaRequire!() as unknown as { count: number }).count).toBe(1);
  });

  test('output with a helper not known to be shareable is wrapped as it is, helpers and all, in the per-run factory', () => {
    const moduleCode = 'var __require = (id) => require(id);\n\n// a.ts\nmodule.exports = __require("./b");\n';
    const script = runModulesScript(moduleCode);
    expect(script.code).toBe(
      `globalThis.__temporal_run_modules = function temporalRunModules(module, exports, require) {\n${moduleCode}\n};`,
    );
    expect(script.linesShift).toBe(1);
  });

  test('a bundle that records no sources cannot be split', async () => {
    const { code, sourceMap, filename } = await bundleWorkflowCode({
      workflowsPath: join(fixtures, 'sandbox-workflows.ts'),
    });
    const error = await bundleError(bundleReusableWorkflowCode({ code, sourceMap, filename }));
    expect(error.message).toContain('records no sources');
  });
});
