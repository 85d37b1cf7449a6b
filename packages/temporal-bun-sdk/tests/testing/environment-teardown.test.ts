/**
 * A test that fails does not leave its environment's dev server behind: a child `bun test` runs a
 * file whose test fails (fixtures/failing-test-with-environment.ts), once tearing down in
 * `afterAll`, once not at all (then the environment's watchdog stops the server when the test
 * process ends: `bun test` runs no process `exit` listeners).
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { isPortFree } from '../../src/dev-server';
import { isProcessAlive } from '../cli/cli-process';

const fixture = resolve(import.meta.dir, 'fixtures/failing-test-with-environment.ts');
const reportedPids: number[] = [];

afterAll(() => {
  // Only if a check below failed: never leave a server behind.
  for (const pid of reportedPids) {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  }
});

/** Polls `condition` until it holds (true) or `timeoutMs` passed (false). */
async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(100);
  }
  return true;
}

async function runFailingTestFile(teardown: 'afterAll' | 'none') {
  const child = Bun.spawn([process.execPath, 'test', '--timeout', '60000', fixture], {
    cwd: resolve(import.meta.dir, '../..'),
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, KIT_FIXTURE_TEARDOWN: teardown, NO_COLOR: '1' },
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const output = `${stdout}\n${stderr}`;
  const line = /server (\{.*\})/.exec(output);
  if (line === null) throw new Error(`the fixture printed no server line:\n${output}`);
  const server = JSON.parse(line[1] ?? '') as { pid: number; address: string };
  reportedPids.push(server.pid);
  return { exitCode, output, pid: server.pid, port: Number(server.address.slice(server.address.lastIndexOf(':') + 1)) };
}

describe('a failing test and its environment', () => {
  test('teardown in afterAll stops the server by PID after the test failed', async () => {
    const run = await runFailingTestFile('afterAll');
    expect(run.exitCode).toBe(1);
    expect(run.output).toContain('1 fail');
    expect(isProcessAlive(run.pid)).toBe(false);
    expect(await isPortFree(run.port)).toBe(true);
  });

  test('without teardown, the server is killed when the test process exits', async () => {
    const run = await runFailingTestFile('none');
    expect(run.exitCode).toBe(1);
    expect(run.output).toContain('1 fail');
    expect(await eventually(() => !isProcessAlive(run.pid))).toBe(true);
    // A killed multi-threaded server is reported gone (its main thread a zombie) a moment before
    // its last thread has closed its sockets.
    expect(await eventually(() => isPortFree(run.port))).toBe(true);
  });
});
