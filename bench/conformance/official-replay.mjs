// Histories recorded by temporal-bun-sdk's worker replay on the official SDK's replayer (Node):
// every history in histories/ours against the workflows file workflows.json names for it.
// Exit code 0 when all replay, 1 otherwise (each failure printed).
//   node official-replay.mjs
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const workflowsFor = JSON.parse(readFileSync(join(here, 'workflows.json'), 'utf8'));
const folder = join(here, 'histories', 'ours');
const files = readdirSync(folder)
  .filter((file) => file.endsWith('.json'))
  .sort();
if (files.length === 0) {
  console.error(`no histories in ${folder}: run record-histories.ts`);
  process.exit(1);
}
Runtime.install({ logger: new DefaultLogger('WARN') });
let failed = 0;
for (const file of files) {
  const name = file.replace(/\.json$/, '');
  const { workflowsPath, workflowId } = workflowsFor[name] ?? {};
  if (typeof workflowsPath !== 'string' || typeof workflowId !== 'string') {
    console.error(`FAILED ${name}: workflows.json names no workflows file for it`);
    failed++;
    continue;
  }
  const history = JSON.parse(readFileSync(join(folder, file), 'utf8'));
  try {
    await Worker.runReplayHistory({ workflowsPath: join(root, workflowsPath), replayName: name }, history, workflowId);
    console.log(`OK ${name}: ${history.events.length} events replayed on @temporalio/worker`);
  } catch (error) {
    console.error(`FAILED ${name}: ${error instanceof Error ? error.message : String(error)}`);
    failed++;
  }
}
console.log(`${files.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
