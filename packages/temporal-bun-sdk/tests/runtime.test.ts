/**
 * The runtime and its completion queue, without a server: echo round-trips, what freeing does to
 * outstanding calls, and that the runtime keeps the process alive exactly while calls are pending.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { NativeError, NativeRuntime } from '../src/native';

let runtime: NativeRuntime;

beforeAll(async () => {
  runtime = await NativeRuntime.create();
});

afterAll(() => {
  if (runtime && !runtime.freed) runtime.free();
});

test('an echo completes with a copy of the bytes sent, after its delay', async () => {
  const sent = new TextEncoder().encode('ping through the completion queue');
  const started = performance.now();
  const received = await runtime.echo(sent, 20_000);
  expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  expect(received).toEqual(sent);
  expect(received.buffer).not.toBe(sent.buffer);
  expect(runtime.outstandingCalls).toBe(0);
});

test('a runtime with several threads works; a thread count the bridge refuses is INVALID_ARGUMENT naming runtimeThreads', async () => {
  const wide = await NativeRuntime.create({ runtimeThreads: 4 });
  try {
    const sent = new Uint8Array([1, 2, 3]);
    const echoes = await Promise.all(Array.from({ length: 16 }, () => wide.echo(sent, 1_000)));
    for (const echo of echoes) expect(echo).toEqual(sent);
  } finally {
    wide.free();
  }
  for (const runtimeThreads of [0, 5_000]) {
    const refused = await NativeRuntime.create({ runtimeThreads }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(NativeError);
    expect((refused as NativeError).code).toBe('INVALID_ARGUMENT');
    expect((refused as NativeError).message).toContain('runtimeThreads');
  }
});

test('freeing a runtime rejects its outstanding calls with ILLEGAL_STATE, and a second free is refused', async () => {
  const doomed = await NativeRuntime.create();
  const pending = doomed.echo(new Uint8Array([1, 2, 3]), 2_000_000);
  expect(doomed.outstandingCalls).toBe(1);
  doomed.free();
  const error = await pending.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  expect(error).toBeInstanceOf(NativeError);
  expect((error as NativeError).code).toBe('ILLEGAL_STATE');
  expect(() => doomed.free()).toThrow(NativeError);
  const afterFree = await doomed.echo(new Uint8Array([1])).catch((rejection: unknown) => rejection);
  expect((afterFree as NativeError).code).toBe('ILLEGAL_STATE');
});

async function runLivenessFixture(mode: 'idle' | 'pending'): Promise<{ output: string; exitCode: number }> {
  const child = Bun.spawn([process.execPath, resolve(import.meta.dir, 'fixtures/event-loop-liveness.ts'), mode], {
    stdout: 'pipe',
    stderr: 'inherit',
    env: process.env,
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const [output, exitCode] = await Promise.all([new Response(child.stdout).text(), child.exited]);
  clearTimeout(timer);
  return { output, exitCode };
}

test('an idle runtime does not keep the process alive', async () => {
  const { output, exitCode } = await runLivenessFixture('idle');
  expect(exitCode).toBe(0);
  expect(output).toContain('exit after');
});

test('an outstanding call keeps the process alive until it completes', async () => {
  const { output, exitCode } = await runLivenessFixture('pending');
  expect(exitCode).toBe(0);
  const lines = output.trim().split('\n');
  expect(lines[0]).toBe('echo completed with 42');
  const exitedAfterMs = Number(/exit after (\d+) ms/.exec(lines[1] ?? '')?.[1]);
  expect(exitedAfterMs).toBeGreaterThanOrEqual(250);
});
