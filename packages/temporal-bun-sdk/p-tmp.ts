import { coresdk } from '@temporalio/proto';
import { NativeConnection } from './src/worker';
import { NativeWorker } from './src/native';
import { startDevServer } from './tests/helpers/dev-server';
const server = await startDevServer();
const conn = await NativeConnection.connect({ address: server.address });
const w = NativeWorker.create(conn.runtime, conn.client, { namespace: 'default', taskQueue: 'x-' + Math.random() });
await w.validate();
// keep the activation stream running; complete what arrives (evictions) with empty successes
let activations = 0;
(async () => { for (;;) { let a; try { a = await w.nextWorkflowActivation(); } catch { return; } activations++; w.completeWorkflowActivation(coresdk.workflow_completion.WorkflowActivationCompletion.create({ runId: a.runId, successful: { commands: [] } })).catch(() => {}); } })();
await Bun.sleep(200);
const N = Number(process.argv[2] ?? 10000), IN_FLIGHT = 64;
let next = 0, answered = 0, late = 0, errors = new Map<string, number>();
const t0 = performance.now();
async function lane() {
  while (next < N) {
    const i = next++;
    const c = i % 3 === 0
      ? coresdk.workflow_completion.WorkflowActivationCompletion.create({ runId: 'run-' + i, failed: { failure: { message: 'x' } } })
      : i % 3 === 1 ? coresdk.workflow_completion.WorkflowActivationCompletion.create({ runId: 'run-' + i, successful: { commands: [] } })
      : new Uint8Array([0xff, 0xff, i & 0xff]);
    const res = await Promise.race([w.completeWorkflowActivation(c as any).then(() => 'ok', (e) => 'err:' + String(e.code ?? e.message).slice(0, 40)), Bun.sleep(10000).then(() => 'LATE')]);
    if (res === 'LATE') late++; else answered++;
    errors.set(res, (errors.get(res) ?? 0) + 1);
  }
}
await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
console.log({ N, answered, late, ms: Math.round(performance.now() - t0), activations, outcomes: Object.fromEntries(errors) });
w.initiateShutdown();
await server.stop();
process.exit(0);
