// The official SDK's worker (@temporalio/worker, installed under bench/ only) on Node, for
// recording histories: polls one task queue until SIGTERM.
//   node official-worker.mjs <address> <task queue> <workflows file> <activities module (JS)>
import { NativeConnection, Worker } from '@temporalio/worker';

const [address, taskQueue, workflowsPath, activitiesPath] = process.argv.slice(2);
const activities = await import(activitiesPath);
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({ connection, taskQueue, workflowsPath, activities });
process.on('SIGTERM', () => worker.shutdown());
console.log('OFFICIAL WORKER READY');
await worker.run();
await connection.close();
