/**
 * bundleWorkflowCode: what a user sees when bundling goes wrong (a syntax error, a missing file, a
 * disallowed import), and what the bundle carries for stack traces.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import vm from 'node:vm';
import { WorkflowBundleError, bundleWorkflowCode } from '../../src/workflow/bundler';
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
    writeFileSync(brokenPath, ['export async function broken(): Promise<void> {', '  const value = (1 + ;', '}', ''].join('\n'));
    const error = await bundleError(bundleWorkflowCode({ workflowsPath: brokenPath }));
    expect(error.message).toContain(`${brokenPath}:2:`);
    expect(error.diagnostics[0]).toMatchObject({ level: 'error', file: brokenPath, line: 2 });
  });

  test('an import that does not resolve fails with a WorkflowBundleError naming the module and the importer', async () => {
    const path = join(scratchDirectory, 'unresolved-workflows.ts');
    writeFileSync(path, "import { helper } from './no-such-helper';\nexport async function uses(): Promise<string> { return helper(); }\n");
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
      bundleWorkflowCode({ workflowsPath: join(fixtures, 'workflows.ts'), payloadConverterPath: join(scratchDirectory, 'nope.ts') }),
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

    const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
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

    const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
    new vm.Script(bundle.code, { filename: bundle.filename }).runInContext(context);
    expect(vm.runInContext('typeof __TEMPORAL__.api.initRuntime + typeof __TEMPORAL__.importWorkflows', context)).toBe('functionfunction');

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
});
