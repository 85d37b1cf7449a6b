/**
 * Worker deployment versioning against a real dev server: workers poll as a version of a
 * deployment (`workerDeploymentOptions`), the client makes a version current
 * (`client.workerDeployment`), and each workflow's versioning behaviour, declared with
 * `setWorkflowOptions` or taken from the worker's default, decides whether it moves to a new
 * current version.
 */
import { beforeAll, describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { temporal } from '@temporalio/proto';
import { Client, ServiceError, type WorkflowHandle } from '../../src/client';
import { compileWorkerOptions, WorkerOptionsError, type WorkerOptions } from '../../src/worker/options';
import { createWorker, type Worker, type WorkerDeploymentOptions } from '../../src/worker';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';
import { buildIdsQuery, proceedSignal } from './fixtures/versioning-workflows';

const workflowsPath = resolve(import.meta.dir, 'fixtures/versioning-workflows.ts');
const VersioningBehavior = temporal.api.enums.v1.VersioningBehavior;
const EventType = temporal.api.enums.v1.EventType;
const GRPC_NOT_FOUND = 5;

const env = useServerConnection();
let client: Client;
beforeAll(() => {
  client = new Client({ connection: env.connection });
});

interface RunningWorker {
  worker: Worker;
  running: Promise<void>;
}

async function startVersionWorker(
  taskQueue: string,
  deploymentOptions: WorkerDeploymentOptions,
  logger = new RecordingLogger(),
): Promise<RunningWorker> {
  const worker = await createWorker({
    connection: env.connection,
    taskQueue,
    workflowsPath,
    workerDeploymentOptions: deploymentOptions,
    stickyQueueScheduleToStartTimeout: '1s',
    logger,
  });
  return { worker, running: worker.run() };
}

async function stopAll(workers: RunningWorker[]): Promise<void> {
  for (const { worker } of workers) worker.shutdown();
  await Promise.all(workers.map(({ running }) => running));
}

/** Waits until the server knows `buildId` as a version of the deployment (its workers polled). */
async function versionRegistered(deploymentName: string, buildId: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      const description = await client.workerDeployment.describe(deploymentName);
      if (description.versions.some((summary) => summary.version.buildId === buildId)) return;
    } catch (error) {
      if (!(error instanceof ServiceError && error.code === GRPC_NOT_FOUND)) throw error;
    }
    await Bun.sleep(100);
  }
  throw new Error(`version ${deploymentName}.${buildId} never registered`);
}

/** Waits until the workflow's first task ran, and returns the build ids it recorded. */
async function firstTaskRan(handle: WorkflowHandle): Promise<string[]> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      return await handle.query(buildIdsQuery);
    } catch {
      await Bun.sleep(100);
    }
  }
  throw new Error(`workflow ${handle.workflowId} never ran its first task`);
}

async function behaviorOf(handle: WorkflowHandle): Promise<string | undefined> {
  const { raw } = await handle.describe();
  const behavior = raw.workflowExecutionInfo?.versioningInfo?.behavior ?? 0;
  return VersioningBehavior[behavior];
}

describe('worker deployment versioning', () => {
  test('a pinned workflow stays on its version after a new version becomes current; an auto-upgrade workflow moves to it', async () => {
    const deploymentName = `orders-${randomUUID()}`;
    const taskQueue = `versioning-${randomUUID()}`;
    const workers: RunningWorker[] = [];
    try {
      workers.push(
        await startVersionWorker(taskQueue, { version: { deploymentName, buildId: '1.0' }, useWorkerVersioning: true }),
      );
      await versionRegistered(deploymentName, '1.0');
      const first = await client.workerDeployment.setCurrentVersion(deploymentName, '1.0');
      expect(first.previousVersion).toBeUndefined();

      const pinned = await client.workflow.start('pinnedWorkflow', { taskQueue, workflowId: `pinned-${randomUUID()}` });
      const autoUpgrade = await client.workflow.start('autoUpgradeWorkflow', {
        taskQueue,
        workflowId: `auto-${randomUUID()}`,
      });
      expect(await firstTaskRan(pinned)).toEqual(['1.0']);
      expect(await firstTaskRan(autoUpgrade)).toEqual(['1.0']);
      expect(await behaviorOf(pinned)).toBe('VERSIONING_BEHAVIOR_PINNED');
      expect(await behaviorOf(autoUpgrade)).toBe('VERSIONING_BEHAVIOR_AUTO_UPGRADE');

      workers.push(
        await startVersionWorker(taskQueue, { version: { deploymentName, buildId: '2.0' }, useWorkerVersioning: true }),
      );
      await versionRegistered(deploymentName, '2.0');
      const before = await client.workerDeployment.describe(deploymentName);
      expect(before.routingConfig.currentVersion).toEqual({ deploymentName, buildId: '1.0' });
      const second = await client.workerDeployment.setCurrentVersion(deploymentName, '2.0', {
        conflictToken: before.conflictToken,
      });
      expect(second.previousVersion).toEqual({ deploymentName, buildId: '1.0' });
      const after = await client.workerDeployment.describe(deploymentName);
      expect(after.name).toBe(deploymentName);
      expect(after.routingConfig.currentVersion).toEqual({ deploymentName, buildId: '2.0' });
      expect(after.versions.find((summary) => summary.version.buildId === '2.0')?.status).toBe('CURRENT');
      expect(after.versions.find((summary) => summary.version.buildId === '1.0')?.status).not.toBe('CURRENT');

      await pinned.signal(proceedSignal);
      await autoUpgrade.signal(proceedSignal);
      expect(await pinned.result()).toEqual(['1.0']);
      expect(await autoUpgrade.result()).toEqual(['1.0', '2.0']);
    } finally {
      await stopAll(workers);
    }
  });

  test('with versioning and no default, a workflow that declares no behaviour fails its task saying how to declare one; the default applies where set', async () => {
    const deploymentName = `undeclared-${randomUUID()}`;
    const taskQueue = `versioning-${randomUUID()}`;
    const workers: RunningWorker[] = [];
    try {
      workers.push(
        await startVersionWorker(taskQueue, { version: { deploymentName, buildId: '1.0' }, useWorkerVersioning: true }),
      );
      await versionRegistered(deploymentName, '1.0');
      await client.workerDeployment.setCurrentVersion(deploymentName, '1.0');
      const handle = await client.workflow.start('undeclaredWorkflow', {
        taskQueue,
        workflowId: `undeclared-${randomUUID()}`,
        workflowTaskTimeout: '1s',
      });
      const failure = await firstWorkflowTaskFailure(handle);
      expect(failure).toContain('Workflow "undeclaredWorkflow" declares no versioning behavior');
      expect(failure).toContain('setWorkflowOptions');
      expect(failure).toContain('workerDeploymentOptions.defaultVersioningBehavior');

      workers.push(
        await startVersionWorker(taskQueue, {
          version: { deploymentName, buildId: '2.0' },
          useWorkerVersioning: true,
          defaultVersioningBehavior: 'AUTO_UPGRADE',
        }),
      );
      await versionRegistered(deploymentName, '2.0');
      await client.workerDeployment.setCurrentVersion(deploymentName, '2.0');
      // The failed task is retried on the current version, whose default behaviour applies.
      expect(await firstTaskRan(handle)).toEqual(['2.0']);
      expect(await behaviorOf(handle)).toBe('VERSIONING_BEHAVIOR_AUTO_UPGRADE');
      await handle.signal(proceedSignal);
      expect(await handle.result()).toEqual(['2.0']);
    } finally {
      await stopAll(workers);
    }
  });

  test('setRampingVersion sends a share of the traffic to a version and describe reports it', async () => {
    const deploymentName = `ramping-${randomUUID()}`;
    const taskQueue = `versioning-${randomUUID()}`;
    const workers: RunningWorker[] = [];
    try {
      for (const buildId of ['1.0', '2.0']) {
        workers.push(
          await startVersionWorker(taskQueue, {
            version: { deploymentName, buildId },
            useWorkerVersioning: true,
            defaultVersioningBehavior: 'PINNED',
          }),
        );
        await versionRegistered(deploymentName, buildId);
      }
      await client.workerDeployment.setCurrentVersion(deploymentName, '1.0');
      await client.workerDeployment.setRampingVersion(deploymentName, '2.0', 25);
      const description = await client.workerDeployment.describe(deploymentName);
      expect(description.routingConfig).toMatchObject({
        currentVersion: { deploymentName, buildId: '1.0' },
        rampingVersion: { deploymentName, buildId: '2.0' },
        rampingVersionPercentage: 25,
      });
      expect(description.versions.find((summary) => summary.version.buildId === '2.0')?.status).toBe('RAMPING');
      await expect(client.workerDeployment.setRampingVersion(deploymentName, '2.0', 101)).rejects.toThrow(RangeError);
    } finally {
      await stopAll(workers);
    }
  });

  test('describe of a deployment no worker polled as is a ServiceError with NOT_FOUND', async () => {
    const error = await client.workerDeployment.describe(`nobody-${randomUUID()}`).catch((caught) => caught);
    expect(error).toBeInstanceOf(ServiceError);
    expect(error.code).toBe(GRPC_NOT_FOUND);
  });
});

/** The message of the workflow's first WORKFLOW_TASK_FAILED event. */
async function firstWorkflowTaskFailure(handle: WorkflowHandle): Promise<string> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const history = await handle.fetchHistory();
    const failed = history.events?.find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    const message = failed?.workflowTaskFailedEventAttributes?.failure?.message;
    if (message) return message;
    await Bun.sleep(100);
  }
  throw new Error(`workflow ${handle.workflowId} never failed a workflow task`);
}

describe('workerDeploymentOptions validation', () => {
  const base: WorkerOptions = { taskQueue: 'q', workflowBundle: { code: '// unused' } };
  const version = { deploymentName: 'orders', buildId: '2.0' };

  test('the options reach the bridge as its versioning keys', () => {
    expect(
      compileWorkerOptions({
        ...base,
        workerDeploymentOptions: { version, useWorkerVersioning: true, defaultVersioningBehavior: 'PINNED' },
      }).native,
    ).toMatchObject({
      buildId: '2.0',
      useBuildIdVersioning: false,
      deploymentName: 'orders',
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'pinned',
    });
    const withoutDefault = compileWorkerOptions({
      ...base,
      workerDeploymentOptions: { version, useWorkerVersioning: true },
    });
    expect(withoutDefault.native.defaultVersioningBehavior).toBeNull();
    expect(withoutDefault.requireVersioningBehavior).toBe(true);
    const reportOnly = compileWorkerOptions({
      ...base,
      workerDeploymentOptions: { version, useWorkerVersioning: false },
    });
    expect(reportOnly.native).toMatchObject({ deploymentName: 'orders', useWorkerVersioning: false });
    expect(reportOnly.requireVersioningBehavior).toBe(false);
    expect(compileWorkerOptions(base).native).toMatchObject({
      buildId: '',
      deploymentName: null,
      useWorkerVersioning: null,
      defaultVersioningBehavior: null,
    });
  });

  const refused: [string, Record<string, unknown>, string][] = [
    ['no version', { workerDeploymentOptions: { useWorkerVersioning: true } }, 'workerDeploymentOptions.version'],
    [
      'an empty build id',
      { workerDeploymentOptions: { version: { deploymentName: 'orders', buildId: '' }, useWorkerVersioning: true } },
      'workerDeploymentOptions.version.buildId',
    ],
    ['no useWorkerVersioning', { workerDeploymentOptions: { version } }, 'workerDeploymentOptions.useWorkerVersioning'],
    [
      'an unknown behaviour',
      { workerDeploymentOptions: { version, useWorkerVersioning: true, defaultVersioningBehavior: 'pinned' } },
      'workerDeploymentOptions.defaultVersioningBehavior',
    ],
    [
      'a default behaviour without versioning',
      { workerDeploymentOptions: { version, useWorkerVersioning: false, defaultVersioningBehavior: 'PINNED' } },
      'workerDeploymentOptions.defaultVersioningBehavior',
    ],
    [
      'legacy useVersioning with it',
      { buildId: '2.0', useVersioning: true, workerDeploymentOptions: { version, useWorkerVersioning: true } },
      'useVersioning',
    ],
    [
      'a different buildId',
      { buildId: '1.0', workerDeploymentOptions: { version, useWorkerVersioning: true } },
      'buildId',
    ],
    [
      'an unknown key',
      { workerDeploymentOptions: { version, useWorkerVersioning: true, deploymentName: 'orders' } },
      'workerDeploymentOptions.deploymentName',
    ],
  ];
  for (const [what, options, option] of refused) {
    test(`${what} is refused naming ${option}`, () => {
      let error: unknown;
      try {
        compileWorkerOptions({ ...base, ...options } as WorkerOptions);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(WorkerOptionsError);
      expect((error as WorkerOptionsError).option).toBe(option);
    });
  }
});
