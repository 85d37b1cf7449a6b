/**
 * The sandbox keeps workflow code in, in both sandbox modes: nothing it exposes (globals, their
 * prototypes and methods, what they return or throw, workflow arguments and info, timers, promises)
 * leads to the worker's realm, and writes to shared prototypes reach neither the worker nor, in a
 * shared context, the other runs. The escape routes are in fixtures/escape-workflows.ts.
 */
import { describe, expect, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createWorker } from '../../src/worker';
import { RecordingLogger } from '../helpers/recording-logger';
import { useServerConnection } from '../helpers/server-connection';
import { TestClient } from '../helpers/test-client';

const workflowsPath = resolve(import.meta.dir, 'fixtures/escape-workflows.ts');
const env = useServerConnection();

describe.each([true, false])('the workflow sandbox (reuseV8Context: %p)', (reuseV8Context) => {
  test('no route from workflow code reaches the worker realm; prototype writes stay with their run', async () => {
    const client = new TestClient(env.connection.client, env.server.namespace);
    const taskQueue = `sandbox-escape-${randomUUID()}`;
    const activityObservations: unknown[] = [];
    const worker = await createWorker({
      connection: env.connection,
      taskQueue,
      workflowsPath,
      reuseV8Context,
      logger: new RecordingLogger(),
      activities: {
        echo: async (value: string) => {
          activityObservations.push(({} as Record<string, unknown>).pollutedThroughUrl ?? null);
          return value;
        },
      },
    });
    const outcome = await worker.runUntil(async () => {
      const escapes = await client.result<Record<string, string>>(
        await client.start('escapeAttempts', { taskQueue, args: [{ nested: { list: [1, 2] } }] }),
      );
      const pollution = await client.result<Record<string, string>>(
        await client.start('pollutePrototypes', { taskQueue }),
      );
      const [seen, ...ordinary] = await Promise.all([
        client.start('seesPollution', { taskQueue }).then((run) => client.result<Record<string, unknown>>(run)),
        ...[1, 2, 3].map((count) =>
          client.start('ordinaryWork', { taskQueue, args: [count] }).then((run) => client.result<number[]>(run)),
        ),
      ]);
      return { escapes, pollution, seen, ordinary };
    });

    expect(outcome.escapes).toEqual({});
    // The worker's own objects are untouched.
    expect(({} as Record<string, unknown>).pollutedThroughUrl).toBeUndefined();
    expect(({} as Record<string, unknown>).pollutedObject).toBeUndefined();
    expect((Array.prototype.push as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(activityObservations).toEqual([null]);
    // Another run sees none of it; ordinary runs work.
    expect(outcome.seen).toEqual({ pollutedObject: null, pollutedThroughUrl: null, pushReplaced: null });
    // Each run's own items, then Object.keys({ a: 1 }).length (1: no enumerable pollution).
    expect(outcome.ordinary).toEqual([
      [0, 1],
      [0, 1, 1],
      [0, 1, 2, 1],
    ]);
    expect(outcome.pollution.afterwards).toBe('1,2,3');
    expect(outcome.pollution['Array.prototype.push']).toBe('done');
    if (reuseV8Context) {
      // Shared prototypes keep their shape: adding to them is refused (a TypeError in strict code;
      // the bundle's top level is sloppy, where the assignment has no effect). Not even the run
      // that tried sees the property.
      expect(outcome.pollution.ownView).toBe('none none');
    } else {
      // A context of its own: the run may change its own realm, and only its own.
      expect(outcome.pollution['Object.prototype']).toBe('done');
      expect(outcome.pollution['URL.prototype chain']).toBe('done');
      expect(outcome.pollution.ownView).toBe('yes yes');
    }
  });
});
