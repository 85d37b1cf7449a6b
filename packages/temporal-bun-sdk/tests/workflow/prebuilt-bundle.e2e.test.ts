/**
 * Prebuilt workflow bundles: `buildPrebuiltWorkflowBundle` (what `temporal-bun bundle` writes) run by
 * `createWorker({ workflowBundle })` from its text and from its file, in the sandbox mode of the
 * suite (see harness.ts: `make test` runs this file in both), and what is refused, with what error.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { PeerPackageVersionError, SDK_VERSION } from '../../src/common/package-info';
import { WorkerOptionsError, createWorker, type WorkerOptions } from '../../src/worker';
import { bundleWorkflowCode, WorkflowBundleError } from '../../src/workflow/bundler';
import {
  buildPrebuiltWorkflowBundle,
  loadWorkflowBundle,
  parsePrebuiltWorkflowBundle,
} from '../../src/workflow/prebuilt-bundle';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';
import { TestClient } from '../helpers/test-client';
import { reuseV8Context } from './harness';

const workerFixtures = resolve(import.meta.dir, '../worker/fixtures');
const env = useServerConnection();
let prebuilt: string;
let folder: string;

beforeAll(async () => {
  prebuilt = await buildPrebuiltWorkflowBundle({
    workflowsPath: resolve(workerFixtures, 'feature-workflows.ts'),
    workflowInterceptorModules: [resolve(workerFixtures, 'workflow-interceptors.ts')],
  });
  folder = mkdtempSync(join(tmpdir(), 'tbs-prebuilt-'));
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Runs `featureWorkflow` on a worker with the given bundle option and returns its result. */
async function runFeatureWorkflow(
  workflowBundle: WorkerOptions['workflowBundle'],
  logger = new RecordingLogger(),
): Promise<string> {
  const client = new TestClient(env.connection.client, env.server.namespace, loadDataConverter());
  const taskQueue = `prebuilt-bundle-${randomUUID()}`;
  const worker = await createWorker({
    connection: env.connection,
    taskQueue,
    workflowBundle,
    activities: { shout: async (text: string) => text.toUpperCase() },
    sinks: { audit: { record: { fn: () => undefined } } },
    reuseV8Context,
    logger,
  });
  return await worker.runUntil(async () =>
    client.result<string>(await client.start('featureWorkflow', { taskQueue, args: ['prebuilt'] })),
  );
}

describe(`createWorker with a prebuilt workflow bundle (reuseV8Context: ${reuseV8Context})`, () => {
  test('runs workflows from the bundle text ({ code }), interceptors included, without bundling', async () => {
    const logger = new RecordingLogger();
    expect(await runFeatureWorkflow({ code: prebuilt }, logger)).toBe('PREBUILT [workflow interceptor]');
    expect(logger.records.some((record) => record.message === 'Workflow bundle created')).toBe(false);
    expect(
      logger.records.some((record) => record.message.includes('running one context per workflow run instead')),
    ).toBe(false);
  });

  test('runs workflows from the bundle file ({ codePath })', async () => {
    const codePath = join(folder, 'workflow-bundle.js');
    writeFileSync(codePath, prebuilt);
    expect(await runFeatureWorkflow({ codePath })).toBe('PREBUILT [workflow interceptor]');
  });

  test("accepts bundleWorkflowCode's result", async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: resolve(workerFixtures, 'feature-workflows.ts'),
      workflowInterceptorModules: [resolve(workerFixtures, 'workflow-interceptors.ts')],
    });
    expect(await runFeatureWorkflow(bundle)).toBe('PREBUILT [workflow interceptor]');
  });
});

describe('what a prebuilt workflow bundle refuses', () => {
  const activities = { shout: async (text: string) => text };

  test('workflowBundle and workflowsPath together, or a bundle of the wrong shape, is an options error', async () => {
    await expect(
      createWorker({
        taskQueue: 'q',
        workflowBundle: { code: prebuilt },
        workflowsPath: resolve(workerFixtures, 'feature-workflows.ts'),
        activities,
      }),
    ).rejects.toThrow(WorkerOptionsError);
    await expect(createWorker({ taskQueue: 'q', workflowBundle: { code: '' }, activities })).rejects.toThrow(
      /workflowBundle code must be the non-empty text/,
    );
    await expect(
      createWorker({ taskQueue: 'q', workflowBundle: { codePath: join(folder, 'missing.js') }, activities }),
    ).rejects.toThrow(/workflowBundle codePath points to no file/);
    await expect(createWorker({ taskQueue: 'q', workflowBundle: {} as { code: string }, activities })).rejects.toThrow(
      /must have `code`/,
    );
    await expect(
      createWorker({
        taskQueue: 'q',
        workflowBundle: { code: prebuilt },
        interceptors: { workflowModules: [resolve(workerFixtures, 'workflow-interceptors.ts')] },
        activities,
      }),
    ).rejects.toThrow('option interceptors.workflowModules does not apply to a prebuilt workflowBundle');
  });

  test('text that is not a temporal-bun-sdk bundle (an official SDK webpack bundle, say) names the command that makes one', () => {
    const official = 'var __TEMPORAL__;(()=>{"use strict";var __webpack_modules__={}})();';
    expect(() => parsePrebuiltWorkflowBundle(official, 'workflowBundle.code')).toThrow(WorkflowBundleError);
    expect(() => parsePrebuiltWorkflowBundle(official, 'workflowBundle.code')).toThrow(
      /not a temporal-bun-sdk workflow bundle.*temporal-bun bundle/,
    );
  });

  test('a damaged bundle, or one made by another SDK version, is refused with what to do', () => {
    expect(() => parsePrebuiltWorkflowBundle(prebuilt.slice(0, prebuilt.length / 2), 'half.js')).toThrow(
      /half\.js is a damaged temporal-bun-sdk workflow bundle/,
    );
    const other = prebuilt.replace(`"sdkVersion":"${SDK_VERSION}"`, '"sdkVersion":"0.0.1"');
    expect(other).not.toBe(prebuilt);
    expect(() => parsePrebuiltWorkflowBundle(other, 'old.js')).toThrow(`old.js was made by temporal-bun-sdk 0.0.1`);
    const missingPart = prebuilt.replace('"runModules":{', '"runModulez":{');
    expect(() => parsePrebuiltWorkflowBundle(missingPart, 'partial.js')).toThrow(
      /sharedContext\.runModules is missing/,
    );
  });

  test('a bundle of an unsupported @temporalio/workflow version is refused, naming both versions', () => {
    const version = /"workflowPackageVersion":"([^"]+)"/.exec(prebuilt)?.[1];
    expect(version).toBe('1.24.0');
    const newer = prebuilt.replace(`"workflowPackageVersion":"${version}"`, '"workflowPackageVersion":"1.99.0"');
    expect(() => parsePrebuiltWorkflowBundle(newer, 'newer.js')).toThrow(PeerPackageVersionError);
    expect(() => parsePrebuiltWorkflowBundle(newer, 'newer.js')).toThrow(
      /supports @temporalio\/workflow ~1\.24\.0, but newer\.js has 1\.99\.0/,
    );
  });

  test('the prebuilt text round-trips into both sandbox layouts', () => {
    const loaded = loadWorkflowBundle({ code: prebuilt });
    expect(loaded.workflowPackageVersion).toBe('1.24.0');
    expect(loaded.bundle?.code).toContain('__TEMPORAL__');
    expect(loaded.reusable?.library.code).toContain('installSharedLibrary');
    const runModules = loaded.reusable?.runModules.code ?? '';
    expect(runModules.startsWith('globalThis.__temporal_run_modules = ')).toBe(true);
    expect(runModules).toContain('function temporalRunModules(module, exports, require) {');
  });
});
