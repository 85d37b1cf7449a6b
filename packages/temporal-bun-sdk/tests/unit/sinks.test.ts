import { describe, expect, test } from 'bun:test';
import type { SinkCall, WorkflowInfo } from '@temporalio/workflow';
import { deliverSinkCalls, type InjectedSinks } from '../../src/workflow/sinks';
import { RecordingLogger } from '../helpers/recording-logger';

function call(fnName: string, args: unknown[], replaying = false): SinkCall {
  const workflowInfo = {
    workflowId: 'wf',
    runId: 'run',
    workflowType: 'sinkWorkflow',
    taskQueue: 'q',
    namespace: 'default',
    unsafe: { isReplaying: replaying, isReplayingHistoryEvents: replaying },
  } as unknown as WorkflowInfo;
  return { ifaceName: 'audit', fnName, args, workflowInfo };
}

describe('deliverSinkCalls', () => {
  test('synchronous sinks run in call order before it returns, and nothing is left to wait for', () => {
    const seen: string[] = [];
    const sinks: InjectedSinks = { audit: { record: { fn: (_info, value) => void seen.push(value as string) } } };
    const result = deliverSinkCalls([call('record', ['a']), call('record', ['b'])], sinks, {
      logger: new RecordingLogger(),
      isReplayWorker: false,
    });
    expect(result).toBeUndefined();
    expect(seen).toEqual(['a', 'b']);
  });

  test('asynchronous sinks are waited for; throwing and rejecting ones are logged, never rethrown', async () => {
    const logger = new RecordingLogger();
    const seen: string[] = [];
    const sinks: InjectedSinks = {
      audit: {
        slow: {
          fn: async (_info, value) => {
            await Bun.sleep(20);
            seen.push(value as string);
          },
        },
        throws: {
          fn: () => {
            throw new Error('sync boom');
          },
        },
        rejects: {
          fn: async () => {
            throw new Error('async boom');
          },
        },
      },
    };
    const result = deliverSinkCalls([call('slow', ['late']), call('throws', []), call('rejects', [])], sinks, {
      logger,
      isReplayWorker: false,
    });
    expect(result).toBeInstanceOf(Promise);
    expect(seen).toEqual([]);
    await result;
    expect(seen).toEqual(['late']);
    const failures = logger.records.filter((record) => record.message === 'A sink function threw');
    expect(failures.map((record) => (record.meta!['error'] as Error).message).sort()).toEqual([
      'async boom',
      'sync boom',
    ]);
    expect(
      failures.every((record) => record.meta?.['sinkFunction'] !== undefined && record.meta?.['workflowId'] === 'wf'),
    ).toBe(true);
  });

  test('calls made while replaying reach only callDuringReplay sinks; a replay worker delivers only those', () => {
    const seen: string[] = [];
    const sinks: InjectedSinks = {
      audit: {
        live: { fn: () => void seen.push('live') },
        always: { fn: () => void seen.push('always'), callDuringReplay: true },
      },
    };
    const logger = new RecordingLogger();
    deliverSinkCalls([call('live', [], true), call('always', [], true)], sinks, { logger, isReplayWorker: false });
    expect(seen).toEqual(['always']);
    deliverSinkCalls([call('live', []), call('always', [])], sinks, { logger, isReplayWorker: true });
    expect(seen).toEqual(['always', 'always']);
  });

  test('a call to a sink the worker does not have is logged as an error naming it', () => {
    const logger = new RecordingLogger();
    expect(deliverSinkCalls([call('missing', [])], {}, { logger, isReplayWorker: false })).toBeUndefined();
    expect(logger.records).toHaveLength(1);
    expect(logger.records[0]).toMatchObject({
      level: 'ERROR',
      meta: { sinkInterface: 'audit', sinkFunction: 'missing' },
    });
  });
});
