/**
 * `temporal-bun-worker` as a user runs it: a subprocess against a real dev server, driven by
 * signals, with its ready line, exit codes and error messages checked.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '../../src/worker';
import { useServerConnection } from '../helpers/server-connection';
import { TestClient, type StartedWorkflow } from '../helpers/test-client';
import { isProcessAlive, killAllCliProcesses, spawnCli, type CliProcess } from './cli-process';

setDefaultTimeout(90_000);

const fixtures = resolve(import.meta.dir, 'fixtures');
const workflowsPath = resolve(fixtures, 'workflows.ts');
const activitiesPath = resolve(fixtures, 'activities.ts');
const READY = /^temporal-bun-worker ready: (.*)$/;

const env = useServerConnection();
afterAll(killAllCliProcesses);

function startWorkerCli(
  taskQueue: string,
  extraArgs: string[] = [],
  options: Parameters<typeof spawnCli>[2] = {},
): CliProcess {
  return spawnCli(
    'temporal-bun-worker',
    ['--task-queue', taskQueue, '--workflows', workflowsPath, '--activities', activitiesPath, ...extraArgs],
    options,
  );
}

function readyLines(cli: CliProcess): string[] {
  return cli
    .stdout()
    .split('\n')
    .filter((line) => READY.test(line));
}

/** Resolves once the run's activity is running on a worker (the server reports it as started). */
async function activityStarted(client: TestClient, workflow: StartedWorkflow, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const description = await client.client.workflowService('DescribeWorkflowExecution', {
      namespace: client.namespace,
      execution: { workflowId: workflow.workflowId },
    });
    const state = description.pendingActivities?.[0]?.state;
    if (state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED) return;
    if (Date.now() > deadline)
      throw new Error(`the activity of ${workflow.workflowId} did not start within ${timeoutMs} ms`);
    await Bun.sleep(100);
  }
}

/** Stack frames look like `    at fn (file:line:col)`; a CLI error must not print any. */
const STACK_FRAME = /^\s+at\s/m;

describe('temporal-bun-worker', () => {
  test('prints one ready line with task queue, namespace and address, runs a workflow, and exits 0 on SIGTERM', async () => {
    const taskQueue = `cli-${randomUUID()}`;
    const cli = startWorkerCli(taskQueue, ['--address', env.server.address]);
    const [line] = await cli.waitForLine(READY);
    expect(line).toBe(
      `temporal-bun-worker ready: task queue "${taskQueue}", namespace "default", address ${env.server.address}`,
    );
    expect(cli.stdout()).toBe(`${line}\n`); // logs go to stderr; stdout has the ready line only

    const run = await env.client.start('greetingWorkflow', { taskQueue, args: ['Bun'] });
    expect(await env.client.result<string>(run)).toBe('Hello, Bun!');

    cli.kill('SIGTERM');
    expect(await cli.waitForExit(20_000)).toBe(0);
    expect(readyLines(cli)).toHaveLength(1);
    expect(cli.stderr()).toContain('SIGTERM: shutting down gracefully');
  });

  test('a first SIGINT waits for the in-flight activity; a second SIGINT cancels it and exits 0 at once', async () => {
    const taskQueue = `cli-signals-${randomUUID()}`;
    const cli = startWorkerCli(taskQueue, ['--address', env.server.address, '--shutdown-grace', '1m']);
    await cli.waitForLine(READY);
    const run = await env.client.start('slowActivityWorkflow', { taskQueue, args: [60_000] });
    await activityStarted(env.client, run);

    cli.kill('SIGINT');
    await Bun.sleep(1_000);
    expect(cli.exitCode()).toBeNull(); // still draining: the grace time is a minute
    expect(cli.stderr()).toContain('SIGINT: shutting down gracefully (in-flight activities get 60000 ms)');

    cli.kill('SIGINT');
    // At once: long before the minute of grace the first SIGINT granted.
    expect(await cli.waitForExit(30_000)).toBe(0);
    expect(cli.stderr()).toContain('SIGINT again: stopping at once');
  });

  test('connection settings come from TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, and flags win over them', async () => {
    const fromEnv = startWorkerCli(`cli-env-${randomUUID()}`, [], {
      env: { TEMPORAL_ADDRESS: env.server.address, TEMPORAL_NAMESPACE: env.server.namespace },
    });
    const [fromEnvLine] = await fromEnv.waitForLine(READY);
    expect(fromEnvLine).toContain(`namespace "${env.server.namespace}", address ${env.server.address}`);

    const flagWins = startWorkerCli(`cli-flag-${randomUUID()}`, ['--address', env.server.address], {
      env: { TEMPORAL_ADDRESS: '127.0.0.1:1' },
    });
    const [flagLine] = await flagWins.waitForLine(READY);
    expect(flagLine).toContain(`address ${env.server.address}`);

    fromEnv.kill('SIGTERM');
    flagWins.kill('SIGTERM');
    expect(await fromEnv.waitForExit()).toBe(0);
    expect(await flagWins.waitForExit()).toBe(0);
  });

  test('--dev starts its own dev server (with the namespace asked for), runs a workflow against it, and stops the server on exit', async () => {
    const taskQueue = `cli-dev-${randomUUID()}`;
    // The environment's address is for another server and is ignored; its namespace is created.
    const cli = startWorkerCli(taskQueue, ['--dev', '--dev-port', '0'], {
      env: { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_NAMESPACE: 'orders-dev' },
    });
    const [line] = await cli.waitForLine(READY, 60_000);
    expect(line).toContain(`task queue "${taskQueue}", namespace "orders-dev", address 127.0.0.1:`);
    const match = /address (127\.0\.0\.1:\d+) \(local dev server, pid (\d+), web UI (http:\/\/\S+)\)$/.exec(line);
    expect(match).not.toBeNull();
    const [, address, pidText] = match!;
    expect(address).not.toBe(env.server.address);
    const serverPid = Number(pidText);
    expect(isProcessAlive(serverPid)).toBe(true);
    expect(cli.stderr()).toContain(`started a local dev server at ${address}`);

    const connection = await NativeConnection.connect({ address });
    try {
      const client = new TestClient(connection.client, 'orders-dev');
      const run = await client.start('greetingWorkflow', { taskQueue, args: ['dev server'] });
      expect(await client.result<string>(run)).toBe('Hello, dev server!');
    } finally {
      await connection.close();
    }

    cli.kill('SIGTERM');
    expect(await cli.waitForExit(30_000)).toBe(0);
    expect(isProcessAlive(serverPid)).toBe(false);
  });

  test('Ctrl+C in a terminal (SIGINT to the whole process group) lets a --dev worker drain against its server, then stops both', async () => {
    const taskQueue = `cli-ctrl-c-${randomUUID()}`;
    const cli = startWorkerCli(taskQueue, ['--dev', '--dev-port', '0', '--shutdown-grace', '1m'], {
      processGroup: true,
    });
    const [line] = await cli.waitForLine(READY, 60_000);
    const [, address, pidText] = /address (\S+) \(local dev server, pid (\d+)/.exec(line)!;
    const connection = await NativeConnection.connect({ address });
    try {
      const client = new TestClient(connection.client, 'default');
      const run = await client.start('slowActivityWorkflow', { taskQueue, args: [2_000] });
      await activityStarted(client, run);
    } finally {
      await connection.close();
    }

    // The dev server is in its own process group: the terminal's SIGINT reaches the worker only,
    // which finishes the activity against a live server before stopping it.
    cli.killGroup('SIGINT');
    expect(await cli.waitForExit(30_000)).toBe(0);
    expect(cli.stderr()).not.toContain('exited unexpectedly');
    expect(cli.stderr()).not.toContain('ERROR');
    expect(isProcessAlive(Number(pidText))).toBe(false);
  });

  test('the worker exits 1 saying so when its --dev server dies under it', async () => {
    const cli = startWorkerCli(`cli-dev-dies-${randomUUID()}`, ['--dev', '--dev-port', '0']);
    const [line] = await cli.waitForLine(READY, 60_000);
    const serverPid = Number(/pid (\d+)/.exec(line)![1]);
    process.kill(serverPid, 'SIGKILL');
    expect(await cli.waitForExit(30_000)).toBe(1);
    expect(cli.stderr()).toContain(
      'temporal-bun-worker: error: the dev server exited unexpectedly (SIGKILL); stopping the worker',
    );
  });

  test.each([
    [
      '--dev --address 127.0.0.1:7233',
      '--dev connects to the dev server it starts; it cannot be combined with --address',
    ],
    ['--dev-port 0', '--dev-port needs --dev'],
    ['--tls-cert tests/cli/fixtures/workflows.ts', 'mTLS needs both --tls-cert and --tls-key (got only --tls-cert)'],
    [
      '--shutdown-grace soon',
      '--shutdown-grace must be a duration such as 30s, 1m or 500ms (or milliseconds), got "soon"',
    ],
    ['--log-level loud', '--log-level must be one of trace, debug, info, warn, error, got "loud"'],
  ])('"%s" exits 2 with: %s', async (flags, message) => {
    const cli = spawnCli('temporal-bun-worker', [
      '--task-queue',
      'q',
      '--activities',
      activitiesPath,
      ...flags.split(' '),
    ]);
    expect(await cli.waitForExit()).toBe(2);
    expect(cli.stderr()).toStartWith(`temporal-bun-worker: error: ${message}\n`);
  });

  test('an unknown flag exits 2 with a one-line message naming it', async () => {
    const cli = spawnCli('temporal-bun-worker', ['--task-queue', 'q', '--workflows', workflowsPath, '--bogus']);
    expect(await cli.waitForExit()).toBe(2);
    expect(cli.stderr()).toStartWith("temporal-bun-worker: error: Unknown option '--bogus'\n");
    expect(cli.stderr()).toContain('temporal-bun-worker --help');
    expect(cli.stderr()).not.toMatch(STACK_FRAME);
    expect(cli.stdout()).toBe('');
  });

  test('a missing --task-queue exits 2 saying it is required', async () => {
    const cli = spawnCli('temporal-bun-worker', ['--workflows', workflowsPath]);
    expect(await cli.waitForExit()).toBe(2);
    expect(cli.stderr()).toStartWith('temporal-bun-worker: error: --task-queue is required');
  });

  test('a workflows file that does not exist exits 2 naming the file', async () => {
    const cli = spawnCli('temporal-bun-worker', ['--task-queue', 'q', '--workflows', 'no/such/workflows.ts']);
    expect(await cli.waitForExit()).toBe(2);
    expect(cli.stderr()).toStartWith('temporal-bun-worker: error: --workflows: file not found: no/such/workflows.ts');
  });

  test.if(process.platform === 'linux')(
    '--runtime-threads sets the runtime threads of the worker process',
    async () => {
      const taskQueue = `cli-${randomUUID()}`;
      const cli = startWorkerCli(taskQueue, ['--address', env.server.address, '--runtime-threads', '3']);
      await cli.waitForLine(READY);
      const tokioThreads = readdirSync(`/proc/${cli.pid}/task`).filter((tid) => {
        try {
          return readFileSync(`/proc/${cli.pid}/task/${tid}/comm`, 'utf8').startsWith('tokio');
        } catch {
          return false; // the thread ended meanwhile
        }
      });
      expect(tokioThreads).toHaveLength(3);
      const run = await env.client.start('greetingWorkflow', { taskQueue, args: ['threads'] });
      expect(await env.client.result<string>(run)).toBe('Hello, threads!');
      cli.kill('SIGTERM');
      expect(await cli.waitForExit(20_000)).toBe(0);
    },
  );

  test('a bad --runtime-threads exits 2 naming the flag', async () => {
    const cli = spawnCli('temporal-bun-worker', [
      '--task-queue',
      'q',
      '--activities',
      activitiesPath,
      '--runtime-threads',
      '0',
    ]);
    expect(await cli.waitForExit()).toBe(2);
    expect(cli.stderr()).toStartWith(
      'temporal-bun-worker: error: --runtime-threads must be an integer in [1, 1024], got "0"',
    );
  });

  test('a bad concurrency value exits 2 naming the flag', async () => {
    const cli = spawnCli('temporal-bun-worker', [
      '--task-queue',
      'q',
      '--activities',
      activitiesPath,
      '--max-concurrent-activities',
      '0',
    ]);
    expect(await cli.waitForExit()).toBe(2);
    expect(cli.stderr()).toStartWith(
      'temporal-bun-worker: error: --max-concurrent-activities must be an integer ≥ 1, got "0"',
    );
  });

  test('an unreachable server exits 1 with a message naming the address', async () => {
    const cli = startWorkerCli('q', ['--address', '127.0.0.1:1', '--connect-timeout', '5s']);
    expect(await cli.waitForExit(30_000)).toBe(1);
    const stderr = cli.stderr();
    // The reason is the innermost cause the bridge reports as a field (the OS's words), not Rust debug text.
    expect(stderr).toMatch(
      /^temporal-bun-worker: error: cannot reach a Temporal server at http:\/\/127\.0\.0\.1:1 \(Connection refused( \(os error \d+\))?\): check --address/,
    );
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(readyLines(cli)).toHaveLength(0);
  });

  test('a namespace the server does not have exits 1 naming it', async () => {
    const cli = startWorkerCli('q', ['--address', env.server.address, '--namespace', 'no-such-namespace']);
    expect(await cli.waitForExit()).toBe(1);
    const errors = cli
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('temporal-bun-worker: error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toStartWith(
      'temporal-bun-worker: error: worker validation failed: namespace no-such-namespace was not found',
    );
    expect(errors[0]).toEndWith('check --namespace (or TEMPORAL_NAMESPACE)');
    expect(cli.stderr()).not.toMatch(STACK_FRAME);
  });

  test('the API key can come from a file or TEMPORAL_API_KEY instead of a flag others can read; it is never printed', async () => {
    const folder = mkdtempSync(resolve(tmpdir(), 'tbs-api-key-'));
    try {
      const key = `cli-canary-${randomUUID()}`;
      const keyFile = resolve(folder, 'api-key');
      writeFileSync(keyFile, `${key}\n`);
      // The key turns TLS on; the dev server speaks plaintext, so the connection fails, naming TLS's address.
      for (const [args, environment] of [
        [['--api-key-file', keyFile], {}],
        [[], { TEMPORAL_API_KEY: key }],
      ] as const) {
        const cli = startWorkerCli('q', ['--address', env.server.address, '--connect-timeout', '5s', ...args], {
          env: environment,
        });
        expect(await cli.waitForExit(30_000)).toBe(1);
        expect(cli.stderr()).toContain(`https://${env.server.address}`);
        expect(cli.stderr()).not.toContain(key);
      }
      const both = startWorkerCli('q', ['--api-key', key, '--api-key-file', keyFile]);
      expect(await both.waitForExit()).toBe(2);
      expect(both.stderr()).toStartWith('temporal-bun-worker: error: pass --api-key or --api-key-file, not both');
      const emptyFile = resolve(folder, 'empty');
      writeFileSync(emptyFile, '\n');
      const empty = startWorkerCli('q', ['--api-key-file', emptyFile]);
      expect(await empty.waitForExit()).toBe(2);
      expect(empty.stderr()).toContain('holds no key on its first line');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('--help prints the usage with every flag and exits 0', async () => {
    const cli = spawnCli('temporal-bun-worker', ['--help']);
    expect(await cli.waitForExit()).toBe(0);
    for (const flag of [
      '--task-queue',
      '--workflows',
      '--activities',
      '--address',
      '--namespace',
      '--api-key',
      '--api-key-file',
      'TEMPORAL_API_KEY',
      '--tls-cert',
      '--dev',
      '--shutdown-grace',
      '--max-cached-workflows',
      '--runtime-threads',
    ]) {
      expect(cli.stdout()).toContain(flag);
    }
  });
});
