/**
 * A real Temporal dev server (`temporal server start-dev`, in-memory) on a free loopback port, for
 * integration tests. One per test file:
 *
 * @example
 * let server: DevServer;
 * beforeAll(async () => { server = await startDevServer(); });
 * afterAll(async () => { await server?.stop(); });
 */
import type { Subprocess } from 'bun';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export interface DevServer {
  /** `127.0.0.1:<port>` of the frontend gRPC service. */
  readonly address: string;
  readonly namespace: string;
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. Idempotent. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export interface DevServerOptions {
  /** Bound on how long to wait for the server to answer. Default 30000. */
  startTimeoutMs?: number;
  /** Path of the `temporal` CLI. Default: `$TEMPORAL_CLI_PATH`, else the repository's `.tools/venv/bin/temporal`. */
  cliPath?: string;
}

const repositoryRoot = resolve(import.meta.dir, '../../../..');
const defaultCliPath = resolve(repositoryRoot, '.tools/venv/bin/temporal');
const NAMESPACE = 'default';
const OUTPUT_TAIL_CHARS = 8_000;

/** Servers started by this process and not yet stopped: killed on exit so none outlives a test run. */
const running = new Set<Subprocess>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const killAll = () => {
    for (const child of running) child.kill('SIGKILL');
    running.clear();
  };
  process.on('exit', killAll);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(code);
    });
  }
}

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export async function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a probe listener'));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}

/** Keeps the last characters of a child's output for error messages (and keeps its pipe drained). */
function collectTail(stream: ReadableStream<Uint8Array>): { text(): string } {
  let tail = '';
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of stream) {
      tail = (tail + decoder.decode(chunk, { stream: true })).slice(-OUTPUT_TAIL_CHARS);
    }
  })().catch(() => {});
  return { text: () => tail };
}

async function namespaceAnswers(cliPath: string, address: string): Promise<boolean> {
  const probe = Bun.spawn(
    [cliPath, 'operator', 'namespace', 'describe', '--namespace', NAMESPACE, '--address', address, '--command-timeout', '2s', '-o', 'json'],
    { stdout: 'ignore', stderr: 'ignore', stdin: 'ignore', env: { ...process.env, TEMPORAL_ADDRESS: address } },
  );
  return (await probe.exited) === 0;
}

/** Starts a dev server and resolves once its `default` namespace answers. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cliPath = options.cliPath ?? process.env.TEMPORAL_CLI_PATH ?? defaultCliPath;
  if (!existsSync(cliPath)) {
    throw new Error(`the temporal CLI was not found at ${cliPath}: run scripts/setup (or set TEMPORAL_CLI_PATH)`);
  }
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const port = await findFreePort();
  const address = `127.0.0.1:${port}`;
  installExitHooks();
  const child = Bun.spawn(
    [cliPath, 'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error'],
    { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore' },
  );
  running.add(child);
  const stdout = collectTail(child.stdout);
  const stderr = collectTail(child.stderr);
  const output = () => `stdout: ${stdout.text() || '(empty)'}\nstderr: ${stderr.text() || '(empty)'}`;

  let stopped: Promise<void> | undefined;
  const stop = (stopOptions: { graceMs?: number } = {}): Promise<void> => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const graceMs = stopOptions.graceMs ?? 5_000;
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await child.exited;
        clearTimeout(timer);
      }
      running.delete(child);
    })();
    return stopped;
  };

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      running.delete(child);
      throw new Error(`temporal server start-dev on ${address} exited (code ${child.exitCode ?? child.signalCode}) before answering\n${output()}`);
    }
    if (await namespaceAnswers(cliPath, address)) break;
    if (Date.now() > deadline) {
      await stop({ graceMs: 1_000 });
      throw new Error(`temporal server start-dev on ${address} did not answer within ${startTimeoutMs} ms\n${output()}`);
    }
    await Bun.sleep(200);
  }
  return { address, namespace: NAMESPACE, pid: child.pid, stop };
}
