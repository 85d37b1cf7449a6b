#!/usr/bin/env bun
/**
 * Regenerates the cross-runtime replay fixtures: the same scenarios run once on the official SDK's
 * worker (@temporalio/worker on Node, installed under bench/ only) and once on temporal-bun-sdk's,
 * against one dev server; each run's history is written as `temporal workflow show --output json`
 * prints it, to histories/official/<name>.json and histories/ours/<name>.json.
 *
 *   make bench-setup && cd bench && bun run conformance/record-histories.ts
 *
 * The scenarios: the e2e order workflow of packages/temporal-bun-sdk/tests (a query, a rejected and
 * an accepted update, a signal, retried activities) and the example's order fulfilment (a signal,
 * a query, a child workflow with a timer).
 */
import { spawn } from 'bun';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createWorker, NativeConnection as BunNativeConnection } from 'temporal-bun-sdk';
import { Client, Connection } from 'temporal-bun-sdk/client';
import { findTemporalCli } from 'temporal-bun-sdk/dev-server';
import { startBenchServer } from '../harness/dev-server';
import workflowsFor from './workflows.json' with { type: 'json' };

const here = import.meta.dir;
const root = resolve(here, '..', '..');
const orderWorkflows = join(root, workflowsFor['order-workflow'].workflowsPath);
const exampleWorkflows = join(root, workflowsFor['example-order-fulfillment'].workflowsPath);
const orderActivities = join(root, 'packages/temporal-bun-sdk/tests/worker/fixtures/order-activities.ts');
const exampleActivities = join(root, 'examples/temporal-bun-sdk-example/src/activities.ts');

const server = await startBenchServer();
const scratch = mkdtempSync(join(tmpdir(), 'tbs-conformance-'));
const connection = await Connection.connect({ address: server.address, envConfig: false });
const client = new Client({ connection, namespace: server.namespace });

/** Activities as JavaScript for Node (which cannot import TypeScript): bundled with Bun.build. */
async function asJavaScript(path: string): Promise<string> {
  const built = await Bun.build({
    entrypoints: [path],
    target: 'node',
    format: 'esm',
    outdir: join(scratch, Bun.hash(path).toString(16)),
  });
  if (!built.success) throw new Error(`could not build ${path}: ${built.logs.join('\n')}`);
  return built.outputs[0]!.path;
}

/** Runs `drive` while a worker of `recorder` polls `taskQueue`. */
async function withWorker(
  recorder: 'official' | 'ours',
  taskQueue: string,
  workflowsPath: string,
  activitiesPath: string,
  drive: () => Promise<void>,
) {
  if (recorder === 'official') {
    const child = spawn(
      [
        'node',
        join(here, 'official-worker.mjs'),
        server.address,
        taskQueue,
        workflowsPath,
        await asJavaScript(activitiesPath),
      ],
      {
        cwd: resolve(here, '..'),
        stdout: 'pipe',
        stderr: 'inherit',
      },
    );
    const reader = child.stdout.getReader();
    let output = '';
    while (!output.includes('OFFICIAL WORKER READY')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the official worker exited before it was ready:\n${output}`);
      output += new TextDecoder().decode(value);
    }
    try {
      await drive();
    } finally {
      child.kill('SIGTERM');
      await child.exited;
    }
    return;
  }
  const workerConnection = await BunNativeConnection.connect({ address: server.address });
  const worker = await createWorker({
    connection: workerConnection,
    namespace: server.namespace,
    taskQueue,
    workflowsPath,
    activities: await import(activitiesPath),
  });
  try {
    await worker.runUntil(drive);
  } finally {
    await workerConnection.close();
  }
}

async function waitForStatus(handle: { query<T>(name: string): Promise<T> }, status: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await handle.query<string>('status').catch(() => undefined)) !== status) {
    if (Date.now() > deadline) throw new Error(`the workflow never reached status ${status}`);
    await Bun.sleep(50);
  }
}

/** Writes a run's history as `temporal workflow show --output json` prints it (the latest run of the id). */
async function saveHistory(recorder: string, name: string, workflowId: string): Promise<void> {
  const shown = spawn(
    [
      findTemporalCli(),
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--output',
      'json',
      '--address',
      server.address,
      '--namespace',
      server.namespace,
    ],
    {
      stdout: 'pipe',
      stderr: 'pipe',
    },
  );
  const [json, errors, code] = await Promise.all([
    new Response(shown.stdout).text(),
    new Response(shown.stderr).text(),
    shown.exited,
  ]);
  if (code !== 0) throw new Error(`temporal workflow show failed: ${errors}`);
  const folder = join(here, 'histories', recorder);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, `${name}.json`), `${JSON.stringify(JSON.parse(json), null, 2)}\n`);
  console.log(`${recorder}/${name}.json: ${(JSON.parse(json) as { events: unknown[] }).events.length} events`);
}

try {
  for (const recorder of ['official', 'ours'] as const) {
    const orderQueue = `conformance-order-${recorder}`;
    await withWorker(recorder, orderQueue, orderWorkflows, orderActivities, async () => {
      const workflowId = workflowsFor['order-workflow'].workflowId;
      const handle = await client.workflow.start('orderWorkflow', {
        taskQueue: orderQueue,
        workflowId,
        args: ['A-1', 200],
      });
      await waitForStatus(handle, 'awaiting approval');
      await handle.executeUpdate('setDiscount', { args: [90] }).catch(() => undefined); // rejected by the validator
      await handle.executeUpdate('setDiscount', { args: [10] });
      await handle.signal('approve', 'alice');
      await handle.result();
      await saveHistory(recorder, 'order-workflow', workflowId);
    });
    const exampleQueue = `conformance-example-${recorder}`;
    await withWorker(recorder, exampleQueue, exampleWorkflows, exampleActivities, async () => {
      // The parent's id decides its child's (`<id>-shipment`): both as workflows.json names them.
      const workflowId = workflowsFor['example-order-fulfillment'].workflowId;
      const order = {
        orderId: 'conformance-1',
        customerEmail: 'ada@example.com',
        lines: [{ sku: 'lamp', quantity: 2, unitPriceCents: 7400 }],
        approvalThresholdCents: 10_000,
      };
      const handle = await client.workflow.start('orderFulfillment', {
        taskQueue: exampleQueue,
        workflowId,
        args: [order],
      });
      await waitForStatus(handle, 'awaiting approval');
      await handle.signal('approve', 'grace');
      await handle.result();
      await saveHistory(recorder, 'example-order-fulfillment', workflowId);
      await saveHistory(recorder, 'example-ship-order', workflowsFor['example-ship-order'].workflowId);
    });
  }
} finally {
  await connection.close();
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}
