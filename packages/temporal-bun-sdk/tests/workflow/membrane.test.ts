/**
 * The membrane's copy of what the worker sends into the sandbox (`importFromHost`): protobuf
 * messages as `for…in` sees them (own fields, then the defaults their class's prototype holds, but
 * for null and function ones), the `oneof` virtual fields, Longs, byte arrays, dates, maps and sets.
 */
import { describe, expect, test } from 'bun:test';
import Long from 'long';
import { protos } from '../../src/common/worker-protos';
import { importFromHost } from '../../src/workflow/sandbox-runtime/membrane';

/** What the copy must be: the `for…in` walk the membrane used to make for every object. */
function expected(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (Array.isArray(value)) return value.map(expected);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value as Uint8Array);
  const record = value as Record<string, unknown>;
  if (record.__isLong__ === true)
    return Long.fromBits(record.low as number, record.high as number, record.unsigned as boolean);
  const copy: Record<string, unknown> = {};
  for (const key in record) {
    if (key.startsWith('$')) continue;
    const item = record[key];
    if (typeof item === 'function') continue;
    if (item === null && !Object.hasOwn(record, key)) continue;
    copy[key] = expected(item);
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== null && Object.getPrototypeOf(prototype) !== null) {
    for (const key of Object.getOwnPropertyNames(prototype)) {
      if (typeof Object.getOwnPropertyDescriptor(prototype, key)?.get === 'function') copy[key] = expected(record[key]);
    }
  }
  return copy;
}

function activationBytes(): Uint8Array {
  const payload = {
    metadata: { encoding: new TextEncoder().encode('json/plain') },
    data: new TextEncoder().encode('"x"'),
  };
  return protos.coresdk.workflow_activation.WorkflowActivation.encode({
    runId: 'run-1',
    timestamp: { seconds: Long.fromNumber(1_700_000_000), nanos: 5 },
    isReplaying: true,
    historyLength: 7,
    historySizeBytes: Long.fromNumber(2048),
    availableInternalFlags: [1, 2],
    jobs: [
      {
        initializeWorkflow: {
          workflowId: 'wf',
          workflowType: 'oneActivityWorkflow',
          randomnessSeed: Long.fromString('12345678901234', true),
          firstExecutionRunId: 'run-1',
          attempt: 1,
          arguments: [payload],
          headers: { tracing: payload },
          workflowTaskTimeout: { seconds: Long.fromNumber(10) },
          startTime: { seconds: Long.fromNumber(1_700_000_000) },
        },
      },
      { resolveActivity: { seq: 3, result: { completed: { result: payload } } } },
      { signalWorkflow: { signalName: 'proceed', input: [] } },
      { fireTimer: { seq: 1 } },
    ],
  }).finish();
}

describe('importFromHost', () => {
  test('a decoded activation is copied as for…in sees it, defaults and oneof fields included, key for key and in order', () => {
    const activation = protos.coresdk.workflow_activation.WorkflowActivation.decode(activationBytes());
    const copy = importFromHost(activation) as Record<string, unknown>;
    expect(copy).toEqual(expected(activation) as Record<string, unknown>);
    const keysOf = (value: unknown): unknown =>
      value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || Long.isLong(value)
        ? null
        : Array.isArray(value)
          ? value.map(keysOf)
          : Object.fromEntries(Object.keys(value).map((key) => [key, keysOf((value as Record<string, unknown>)[key])]));
    expect(JSON.stringify(keysOf(copy))).toBe(JSON.stringify(keysOf(expected(activation))));
    // Defaults from the prototype, the oneof's name, and no null oneof members.
    expect(copy.continueAsNewSuggested).toBe(false);
    const jobs = copy.jobs as Record<string, unknown>[];
    expect(jobs.map((job) => job.variant)).toEqual([
      'initializeWorkflow',
      'resolveActivity',
      'signalWorkflow',
      'fireTimer',
    ]);
    expect(Object.keys(jobs[3]!)).toEqual(['fireTimer', 'variant']);
    // Made of this module's realm: Longs are Longs, bytes are copies.
    const initialize = jobs[0]!.initializeWorkflow as Record<string, unknown>;
    expect(Long.isLong(initialize.randomnessSeed)).toBe(true);
    expect((initialize.randomnessSeed as Long).toString()).toBe('12345678901234');
    const argument = (initialize.arguments as { data: Uint8Array }[])[0]!;
    const original = activation.jobs[0]!.initializeWorkflow!.arguments![0]!.data as Uint8Array;
    expect(argument.data).toEqual(original);
    expect(argument.data.buffer).not.toBe(original.buffer);
  });

  test('plain records, own nulls and functions, dates, maps and sets', () => {
    const when = new Date(1_700_000_000_000);
    const value = {
      kept: null,
      dropped: () => 1,
      when,
      map: new Map([['a', { b: 1 }]]),
      set: new Set([1, 2]),
      nested: Object.assign(Object.create(null), { x: 1 }),
    };
    const copy = importFromHost(value) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(['kept', 'when', 'map', 'set', 'nested']);
    expect(copy.kept).toBeNull();
    expect((copy.when as Date).getTime()).toBe(when.getTime());
    expect(copy.map).toEqual(new Map([['a', { b: 1 }]]));
    expect(copy.set).toEqual(new Set([1, 2]));
    expect(copy.nested).toEqual({ x: 1 });
    // A second object of a prototype already seen takes the same path.
    expect(importFromHost({ when: new Date(5) })).toEqual({ when: new Date(5) });
  });
});
