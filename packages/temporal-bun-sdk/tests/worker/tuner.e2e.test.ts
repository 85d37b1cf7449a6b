/**
 * `createWorker({ tuner, workflowTaskPollerBehavior, activityTaskPollerBehavior })` against a dev
 * server: sdk-core's slot suppliers hand out the slots the tuner describes, and the options are
 * checked as the official SDK checks them.
 */
import { describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createWorker, UnsupportedSlotSupplierError, type WorkerOptions, WorkerOptionsError } from '../../src/worker';
import { compileWorkerOptions } from '../../src/worker/options';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';

const workflowsPath = resolve(import.meta.dir, 'fixtures', 'tuner-workflows.ts');
const env = useServerConnection();

/** Activities that record how many of them run at once. */
function trackingActivities() {
  const seen = { running: 0, maxRunning: 0, calls: 0 };
  return {
    seen,
    activities: {
      async track(index: number): Promise<number> {
        seen.calls++;
        seen.running++;
        seen.maxRunning = Math.max(seen.maxRunning, seen.running);
        await Bun.sleep(20);
        seen.running--;
        return index;
      },
    },
  };
}

/** Starts `workflows` fan-out workflows on a fresh worker with `options` and returns their results. */
async function runFanOuts(
  options: Partial<WorkerOptions>,
  activities: object,
  workflows: number,
  perWorkflow: [number, number],
): Promise<number[]> {
  const taskQueue = `tuner-${randomUUID()}`;
  const worker = await createWorker({
    connection: env.connection,
    taskQueue,
    workflowsPath,
    activities,
    logger: new RecordingLogger(),
    ...options,
  });
  return await worker.runUntil(async () => {
    const runs = await Promise.all(
      Array.from({ length: workflows }, () => env.client.start('fanOutWorkflow', { taskQueue, args: perWorkflow })),
    );
    return await Promise.all(runs.map((run) => env.client.result<number>(run, 60_000)));
  });
}

/** 0 + 1 + … + (n − 1). */
const sumBelow = (n: number) => (n * (n - 1)) / 2;

describe('worker tuners and poller behaviours', () => {
  test('a resource-based tuner hands out slots: every workflow, activity and local activity completes', async () => {
    const { seen, activities } = trackingActivities();
    const results = await runFanOuts(
      {
        tuner: {
          tunerOptions: { targetMemoryUsage: 0.95, targetCpuUsage: 0.95 },
          activityTaskSlotOptions: { minimumSlots: 2, maximumSlots: 50, rampThrottle: '5ms' },
        },
      },
      activities,
      12,
      [5, 3],
    );
    expect(results).toEqual(Array.from({ length: 12 }, () => sumBelow(5) + sumBelow(3)));
    expect(seen.calls).toBe(12 * 8);
    expect(seen.running).toBe(0);
  });

  test('per-slot-kind suppliers: a fixed-size supplier of one activity slot runs activities one at a time', async () => {
    const { seen, activities } = trackingActivities();
    const tunerOptions = { targetMemoryUsage: 0.95, targetCpuUsage: 0.95 };
    const results = await runFanOuts(
      {
        tuner: {
          workflowTaskSlotSupplier: { type: 'resource-based', tunerOptions },
          activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
          localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
        },
      },
      activities,
      3,
      [4, 2],
    );
    expect(results).toEqual([sumBelow(4) + sumBelow(2), sumBelow(4) + sumBelow(2), sumBelow(4) + sumBelow(2)]);
    expect(seen.calls).toBe(3 * 6);
    // One activity slot and one local activity slot: at most one of each kind at a time.
    expect(seen.maxRunning).toBeLessThanOrEqual(2);
  });

  test('a fixed-size supplier of one activity slot and no local activities: the activities never overlap', async () => {
    const { seen, activities } = trackingActivities();
    const results = await runFanOuts(
      {
        tuner: {
          workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 10 },
          activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
          localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 10 },
        },
      },
      activities,
      4,
      [5, 0],
    );
    expect(results).toEqual([10, 10, 10, 10]);
    expect(seen.calls).toBe(20);
    expect(seen.maxRunning).toBe(1);
  });

  test('without the tuner the same load runs activities concurrently (the previous test measures the tuner)', async () => {
    const { seen, activities } = trackingActivities();
    await runFanOuts({ maxConcurrentActivityTaskExecutions: 10 }, activities, 4, [5, 0]);
    expect(seen.maxRunning).toBeGreaterThan(1);
  });

  test('autoscaling pollers poll and deliver every task', async () => {
    const { seen, activities } = trackingActivities();
    const results = await runFanOuts(
      {
        workflowTaskPollerBehavior: { type: 'autoscaling', minimum: 2, maximum: 20, initial: 2 },
        activityTaskPollerBehavior: { type: 'autoscaling', minimum: 1, maximum: 20, initial: 1 },
      },
      activities,
      10,
      [6, 0],
    );
    expect(results).toEqual(Array.from({ length: 10 }, () => sumBelow(6)));
    expect(seen.calls).toBe(60);
  });

  describe('options', () => {
    const base = { taskQueue: 'q', activities: {}, workflowBundle: { code: '// unused' } } as const;
    const errorOf = (options: Partial<WorkerOptions>): WorkerOptionsError => {
      try {
        compileWorkerOptions({ ...base, ...options });
      } catch (error) {
        expect(error).toBeInstanceOf(WorkerOptionsError);
        return error as WorkerOptionsError;
      }
      throw new Error(`expected ${JSON.stringify(options)} to be refused`);
    };

    test('a resource-based tuner becomes per-kind resource-based slots with the official defaults', () => {
      const native = compileWorkerOptions({
        ...base,
        tuner: { tunerOptions: { targetMemoryUsage: 0.8, targetCpuUsage: 0.9 } },
      }).native;
      expect(native.maxConcurrentWorkflowTaskExecutions).toBeNull();
      expect(native.maxConcurrentActivityTaskExecutions).toBeNull();
      expect(native.maxConcurrentLocalActivityExecutions).toBeNull();
      expect(native.tuner).toEqual({
        workflowTaskSlotSupplier: { type: 'resource-based', minimumSlots: 2, maximumSlots: 1000, rampThrottleMs: 10 },
        activityTaskSlotSupplier: { type: 'resource-based', minimumSlots: 1, maximumSlots: 2000, rampThrottleMs: 50 },
        localActivityTaskSlotSupplier: {
          type: 'resource-based',
          minimumSlots: 1,
          maximumSlots: 2000,
          rampThrottleMs: 50,
        },
        resourceBasedOptions: { targetMemoryUsage: 0.8, targetCpuUsage: 0.9 },
      });
      expect(native.workflowTaskPollerBehavior).toEqual({ type: 'simple-maximum', maximum: 10 });
      expect(compileWorkerOptions({ ...base }).native.tuner).toBeNull();
    });

    test('poller behaviours take the official defaults', () => {
      const native = compileWorkerOptions({
        ...base,
        workflowTaskPollerBehavior: { type: 'autoscaling' },
        activityTaskPollerBehavior: { type: 'simple-maximum', maximum: 3 },
      }).native;
      expect(native.workflowTaskPollerBehavior).toEqual({ type: 'autoscaling', minimum: 1, maximum: 100, initial: 5 });
      expect(native.activityTaskPollerBehavior).toEqual({ type: 'simple-maximum', maximum: 3 });
    });

    test('conflicts, bad values and custom slot suppliers are refused naming the option', () => {
      const tunerOptions = { targetMemoryUsage: 0.8, targetCpuUsage: 0.9 };
      const cases: [Partial<WorkerOptions>, string, string][] = [
        [{ tuner: { tunerOptions }, maxConcurrentActivityTaskExecutions: 5 }, 'tuner', 'cannot both be set'],
        [
          { workflowTaskPollerBehavior: { type: 'autoscaling' }, maxConcurrentWorkflowTaskPolls: 4 },
          'workflowTaskPollerBehavior',
          'cannot both be set',
        ],
        [
          { activityTaskPollerBehavior: { type: 'simple-maximum' }, maxConcurrentActivityTaskPolls: 4 },
          'activityTaskPollerBehavior',
          'cannot both be set',
        ],
        [
          { activityTaskPollerBehavior: { type: 'autoscaling', minimum: 5, maximum: 10, initial: 2 } },
          'activityTaskPollerBehavior.initial',
          'must be an integer in [5, 10]',
        ],
        [
          { workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: 1 } },
          'workflowTaskPollerBehavior.maximum',
          'must be an integer in [2,',
        ],
        [
          { activityTaskPollerBehavior: { type: 'autoscaling', maximum: 5000 } },
          'activityTaskPollerBehavior.maximum',
          '1,024]',
        ],
        [
          { workflowTaskPollerBehavior: { type: 'simple' } as never },
          'workflowTaskPollerBehavior.type',
          "must be 'simple-maximum' or 'autoscaling'",
        ],
        [
          { tuner: { tunerOptions: { targetMemoryUsage: 1.5, targetCpuUsage: 0.9 } } },
          'tuner.tunerOptions.targetMemoryUsage',
          'in (0, 1]',
        ],
        [
          { tuner: { tunerOptions, activityTaskSlotOptions: { minimumSlots: 10, maximumSlots: 5 } } },
          'tuner.activityTaskSlotOptions.maximumSlots',
          'must be an integer in [10,',
        ],
        [
          {
            tuner: {
              workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 10 },
              activityTaskSlotSupplier: { type: 'fixed-size', numSlots: 2_000_000 },
              localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
            },
          },
          'tuner.activityTaskSlotSupplier.numSlots',
          '1,000,000]',
        ],
        [
          {
            tuner: {
              workflowTaskSlotSupplier: { type: 'resource-based', tunerOptions },
              activityTaskSlotSupplier: { type: 'resource-based', tunerOptions: { ...tunerOptions } },
              localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
            },
          },
          'tuner.activityTaskSlotSupplier.tunerOptions',
          'one resource-based tuner',
        ],
        [
          { tuner: { workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 2 } } as never },
          'tuner.activityTaskSlotSupplier',
          'must be',
        ],
      ];
      for (const [options, option, problem] of cases) {
        const error = errorOf(options);
        expect(error.option).toBe(option);
        expect(error.message).toContain(problem);
      }
    });

    test('a custom slot supplier is refused with UnsupportedSlotSupplierError', () => {
      const custom = {
        type: 'custom',
        reserveSlot: async () => ({}),
        tryReserveSlot: () => ({}),
        markSlotUsed: () => {},
        releaseSlot: () => {},
      } as const;
      const error = errorOf({
        tuner: {
          workflowTaskSlotSupplier: { type: 'fixed-size', numSlots: 10 },
          activityTaskSlotSupplier: custom,
          localActivityTaskSlotSupplier: { type: 'fixed-size', numSlots: 1 },
        },
      });
      expect(error).toBeInstanceOf(UnsupportedSlotSupplierError);
      expect(error.name).toBe('UnsupportedSlotSupplierError');
      expect(error.option).toBe('tuner.activityTaskSlotSupplier');
      expect(error.message).toContain('not support');
    });
  });
});
