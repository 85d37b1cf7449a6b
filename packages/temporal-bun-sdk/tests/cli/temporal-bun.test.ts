/**
 * `temporal-bun` as a user runs it: `replay` on histories recorded from a real dev server with
 * `temporal workflow show --output json`, and `dev-server` in the foreground until SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { createWorker, NativeConnection } from '../../src/worker';
import { useServerConnection } from '../helpers/server-connection';
import { RecordingLogger } from '../helpers/recording-logger';
import * as activities from './fixtures/activities';
import { isProcessAlive, killAllCliProcesses, spawnCli, temporalCliPath } from './cli-process';

setDefaultTimeout(90_000);

const fixtures = resolve(import.meta.dir, 'fixtures');
const workflowsPath = resolve(fixtures, 'workflows.ts');
const changedWorkflowsPath = resolve(fixtures, 'workflows-changed.ts');

const env = useServerConnection();
const scratch = mkdtempSync(resolve(tmpdir(), 'temporal-bun-cli-'));
/** A completed `greetingWorkflow` run's history, as `temporal workflow show --output json` prints it. */
let historyFile: string;
let historyEventCount: number;

beforeAll(async () => {
  const taskQueue = `replay-${randomUUID()}`;
  const worker = await createWorker({
    connection: env.connection,
    taskQueue,
    workflowsPath,
    activities,
    logger: new RecordingLogger(),
  });
  const workflowId = `greeting-${randomUUID()}`;
  await worker.runUntil(async () => {
    const run = await env.client.start('greetingWorkflow', { taskQueue, args: ['replay'], workflowId });
    expect(await env.client.result<string>(run)).toBe('Hello, replay!');
  });

  const show = Bun.spawn(
    [
      temporalCliPath,
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--output',
      'json',
      '--address',
      env.server.address,
      '--namespace',
      env.server.namespace,
    ],
    { stdout: 'pipe', stderr: 'pipe', env: { PATH: process.env.PATH ?? '' } },
  );
  const [json, errors, exitCode] = await Promise.all([
    new Response(show.stdout).text(),
    new Response(show.stderr).text(),
    show.exited,
  ]);
  if (exitCode !== 0) throw new Error(`temporal workflow show failed (${exitCode}): ${errors}`);
  historyFile = resolve(scratch, 'greeting-history.json');
  writeFileSync(historyFile, json);
  historyEventCount = (JSON.parse(json) as { events: unknown[] }).events.length;
});

afterAll(async () => {
  await killAllCliProcesses();
  rmSync(scratch, { recursive: true, force: true });
});

describe('temporal-bun replay', () => {
  test('a history replayed against the code that produced it prints OK with the event count and exits 0', async () => {
    const cli = spawnCli('temporal-bun', ['replay', '--history', historyFile, '--workflows', workflowsPath]);
    expect(await cli.waitForExit()).toBe(0);
    expect(cli.stdout()).toBe(`OK: replayed ${historyEventCount} events of greetingWorkflow\n`);
  });

  test('a history replayed against an incompatible change exits 1 naming the event that diverged', async () => {
    const cli = spawnCli('temporal-bun', [
      'replay',
      '--history',
      historyFile,
      '--workflows',
      changedWorkflowsPath,
      '--workflow-id',
      'greeting-1',
    ]);
    expect(await cli.waitForExit()).toBe(1);
    const [summary, details] = cli.stdout().split('\n');
    expect(summary).toBe(`NON-DETERMINISTIC: greetingWorkflow in ${changedWorkflowsPath} diverges from the history`);
    // Core's own words name the event: events 1–4 start the run and its first workflow task; event 5
    // is the activity the original code scheduled where the changed code starts a timer.
    expect(details).toContain('[TMPRL1100] Nondeterminism error');
    expect(details).toContain('HistoryEvent(id: 5, ActivityTaskScheduled)');
  });

  test('a history file that does not exist exits 2 naming it', async () => {
    const cli = spawnCli('temporal-bun', [
      'replay',
      '--history',
      resolve(scratch, 'missing.json'),
      '--workflows',
      workflowsPath,
    ]);
    expect(await cli.waitForExit()).toBe(2);
    expect(cli.stderr()).toStartWith(
      `temporal-bun: error: --history: file not found: ${resolve(scratch, 'missing.json')}`,
    );
  });

  test('a file that is not a history exits 2 saying so', async () => {
    const notHistory = resolve(scratch, 'not-a-history.json');
    writeFileSync(notHistory, '{"hello": "world"}');
    const cli = spawnCli('temporal-bun', ['replay', '--history', notHistory, '--workflows', workflowsPath]);
    expect(await cli.waitForExit()).toBe(2);
    expect(cli.stderr()).toStartWith(`temporal-bun: error: --history: ${notHistory} is not a workflow history`);
  });

  test('replay without --workflows exits 2 saying it is required', async () => {
    const cli = spawnCli('temporal-bun', ['replay', '--history', historyFile]);
    expect(await cli.waitForExit()).toBe(2);
    expect(cli.stderr()).toStartWith('temporal-bun: error: replay: --workflows <file> is required');
  });
});

describe('temporal-bun dev-server', () => {
  test('prints an address that answers and a web UI, and SIGTERM stops the server and exits 0', async () => {
    const cli = spawnCli('temporal-bun', ['dev-server', '--port', '0']);
    const [, address, pidText] = await cli.waitForLine(
      /^Temporal dev server: (127\.0\.0\.1:\d+) \(namespace "default", pid (\d+)\)$/,
      60_000,
    );
    const [, uiAddress] = await cli.waitForLine(/^Web UI: (http:\/\/127\.0\.0\.1:\d+)$/);
    const serverPid = Number(pidText);

    const connection = await NativeConnection.connect({ address });
    try {
      const namespace = await connection.client.workflowService('DescribeNamespace', { namespace: 'default' });
      expect(namespace.namespaceInfo?.name).toBe('default');
    } finally {
      await connection.close();
    }
    expect((await fetch(uiAddress!)).status).toBe(200);

    cli.kill('SIGTERM');
    expect(await cli.waitForExit(20_000)).toBe(0);
    expect(isProcessAlive(serverPid)).toBe(false);
    expect(cli.stderr()).toContain('stopping the dev server');
  });

  test('--headless runs without a web UI, and SIGINT stops it too', async () => {
    const cli = spawnCli('temporal-bun', ['dev-server', '--port', '0', '--headless']);
    const [, , pidText] = await cli.waitForLine(
      /^Temporal dev server: (127\.0\.0\.1:\d+) \(namespace "default", pid (\d+)\)$/,
      60_000,
    );
    expect(cli.stdout()).not.toContain('Web UI');
    cli.kill('SIGINT');
    expect(await cli.waitForExit(20_000)).toBe(0);
    expect(isProcessAlive(Number(pidText))).toBe(false);
  });

  test('a port already in use exits 1 saying so, without starting a server', async () => {
    const cli = spawnCli('temporal-bun', ['dev-server', '--port', env.server.address.split(':')[1]!, '--headless']);
    expect(await cli.waitForExit()).toBe(1);
    expect(cli.stderr()).toStartWith(
      `temporal-bun: error: port ${env.server.address.split(':')[1]} on 127.0.0.1 is already in use`,
    );
  });

  test('--ui-port and --headless together exit 2', async () => {
    const cli = spawnCli('temporal-bun', ['dev-server', '--ui-port', '0', '--headless']);
    expect(await cli.waitForExit()).toBe(2);
    expect(cli.stderr()).toStartWith('temporal-bun: error: dev-server: pass --ui-port or --headless, not both');
  });
});

describe('temporal-bun bundle', () => {
  test('writes a prebuilt bundle that a worker runs without bundling', async () => {
    const output = resolve(scratch, 'bundle', 'workflow-bundle.js');
    const cli = spawnCli('temporal-bun', ['bundle', workflowsPath, '-o', output]);
    expect(await cli.waitForExit(60_000)).toBe(0);
    expect(cli.stdout()).toStartWith(`wrote ${output} (`);
    const taskQueue = `bundle-${randomUUID()}`;
    const logger = new RecordingLogger();
    const worker = await createWorker({
      connection: env.connection,
      taskQueue,
      workflowBundle: { codePath: output },
      activities,
      logger,
    });
    await worker.runUntil(async () => {
      const run = await env.client.start('greetingWorkflow', { taskQueue, args: ['bundle'] });
      expect(await env.client.result<string>(run)).toBe('Hello, bundle!');
    });
    expect(logger.records.some((record) => record.message === 'Workflow bundle created')).toBe(false);
  });

  test('without a workflows file, or without -o, exits 2 saying what is missing', async () => {
    const none = spawnCli('temporal-bun', ['bundle', '-o', resolve(scratch, 'x.js')]);
    expect(await none.waitForExit()).toBe(2);
    expect(none.stderr()).toStartWith('temporal-bun: error: bundle: expected one workflows file, got none');
    const noOutput = spawnCli('temporal-bun', ['bundle', workflowsPath]);
    expect(await noOutput.waitForExit()).toBe(2);
    expect(noOutput.stderr()).toStartWith('temporal-bun: error: bundle: -o <output file> is required');
    const missing = spawnCli('temporal-bun', [
      'bundle',
      resolve(scratch, 'missing.ts'),
      '-o',
      resolve(scratch, 'x.js'),
    ]);
    expect(await missing.waitForExit()).toBe(2);
    expect(missing.stderr()).toContain('file not found');
  });

  test('workflows that do not compile exit 1 naming the file and line', async () => {
    const broken = resolve(scratch, 'broken-workflows.ts');
    writeFileSync(broken, 'export async function broken(: string) {}\n');
    const cli = spawnCli('temporal-bun', ['bundle', broken, '-o', resolve(scratch, 'broken.js')]);
    expect(await cli.waitForExit(60_000)).toBe(1);
    expect(cli.stderr()).toContain(`${broken}:1`);
  });
});

describe('temporal-bun', () => {
  test('an unknown command exits 2 listing the commands', async () => {
    const cli = spawnCli('temporal-bun', ['deploy']);
    expect(await cli.waitForExit()).toBe(2);
    expect(cli.stderr()).toStartWith(
      'temporal-bun: error: unknown command "deploy": expected one of init, bundle, replay, dev-server',
    );
  });

  test('--help lists the commands and exits 0', async () => {
    const cli = spawnCli('temporal-bun', ['--help']);
    expect(await cli.waitForExit()).toBe(0);
    expect(cli.stdout()).toContain('replay');
    expect(cli.stdout()).toContain('dev-server');
  });
});
