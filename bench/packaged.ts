/**
 * What the npm packages weigh, and how fast a worker installed from them starts: the tarballs of
 * `make package` (compressed and unpacked), then, in a fresh project outside the repository with
 * those tarballs installed, spawn → first poll at the server (scenario C's method) for
 *   - `bun worker.ts` with `workflowsPath` (bundled at start),
 *   - `bun worker.ts` with a prebuilt bundle (`workflowBundle: { codePath }`),
 *   - the same worker bundled with its bytecode (`bun build --target=bun --bytecode`), run with `bun`,
 *   - the single-file worker (`bun build --compile`, prebuilt bundle embedded), run from an empty folder,
 *   - the same single-file worker built with `--bytecode` (JavaScriptCore bytecode made at build time),
 * interleaved, `BENCH_RUNS` rounds (default 5). Medians with ranges; the compiled worker's size.
 *
 *   make package && make bench-setup && cd bench && bun run packaged.ts
 */
import { spawn } from 'bun';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from 'temporal-bun-sdk/client';
import { startBenchServer } from './harness/dev-server';
import { waitForFirstPoll } from './harness/first-poll';
import { median } from './harness/statistics';

const root = resolve(import.meta.dir, '..');
const dist = resolve(process.env.TEMPORAL_BUN_DIST ?? join(root, 'dist', 'npm'));
const rounds = Number(process.env.BENCH_RUNS ?? 5);
const bun = process.execPath;

function run(command: string[], cwd: string): string {
  const result = Bun.spawnSync(command, { cwd, stdout: 'pipe', stderr: 'pipe' });
  if (result.exitCode !== 0) throw new Error(`${command.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout.toString();
}

function unpackedBytes(tarball: string): number {
  return run(['tar', '-tvzf', tarball], dist)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .reduce((total, line) => total + Number(line.trim().split(/\s+/)[2] ?? 0), 0);
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const tarballs = readdirSync(dist)
  .filter((file) => file.endsWith('.tgz'))
  .sort();
if (tarballs.length < 2) throw new Error(`expected the tarballs of make package in ${dist}`);
const sizeRows = tarballs.map(
  (file) => `| \`${file}\` | ${mib(statSync(join(dist, file)).size)} | ${mib(unpackedBytes(join(dist, file)))} |`,
);

const workspace = mkdtempSync(join(tmpdir(), 'tbs-bench-packaged-'));
const server = await startBenchServer();
const connection = await Connection.connect({ address: server.address });
try {
  const app = join(workspace, 'app');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bench-packaged', private: true, type: 'module' }));
  writeFileSync(
    join(app, 'workflows.ts'),
    `import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';
const { echo } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
export async function echoWorkflow(text: string): Promise<string> { return await echo(text); }
`,
  );
  writeFileSync(
    join(app, 'activities.ts'),
    'export async function echo(text: string): Promise<string> { return text; }\n',
  );
  // The worker's start; an ES module runs it at top level, a CommonJS bundle (bytecode without
  // --compile has no top-level await) inside main().
  const workerStart = (
    workflows: string,
  ) => `const worker = await createWorker({ taskQueue: process.env.TASK_QUEUE!, ${workflows}, activities, connection: { address: process.env.TEMPORAL_ADDRESS! } });
process.on('SIGINT', () => worker.shutdown());
await worker.run();
`;
  const workerImports = `import { createWorker } from 'temporal-bun-sdk';
import * as activities from './activities';
`;
  const workerSource = (workflows: string, prelude = '') => `${prelude}
${workerImports}${workerStart(workflows)}`;
  const commonJsWorkerSource = (workflows: string) => `${workerImports}async function main(): Promise<void> {
${workerStart(workflows)}}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;
  writeFileSync(join(app, 'worker.ts'), workerSource(`workflowsPath: require.resolve('./workflows')`));
  writeFileSync(join(app, 'worker-prebuilt.ts'), workerSource(`workflowBundle: { codePath: './workflow-bundle.js' }`));
  writeFileSync(
    join(app, 'worker-prebuilt-cjs.ts'),
    commonJsWorkerSource(`workflowBundle: { codePath: './workflow-bundle.js' }`),
  );
  writeFileSync(
    join(app, 'worker-compiled.ts'),
    workerSource('workflowBundle: { code }', "import code from './workflow-bundle.js' with { type: 'text' };"),
  );
  run(
    [
      bun,
      'add',
      ...tarballs.map((file) => join(dist, file)),
      '@temporalio/workflow@1.24.0',
      '@temporalio/activity@1.24.0',
      '@temporalio/common@1.24.0',
    ],
    app,
  );
  // The installed bin's script, run with this Bun (its `#!/usr/bin/env bun` needs bun on PATH).
  run(
    [
      bun,
      'node_modules/temporal-bun-sdk/src/cli/temporal-bun.ts',
      'bundle',
      'workflows.ts',
      '-o',
      'workflow-bundle.js',
    ],
    app,
  );
  run([bun, 'build', '--compile', 'worker-compiled.ts', '--outfile', 'worker-compiled'], app);
  // The same worker with its JavaScript compiled to JavaScriptCore bytecode at build time (ESM
  // for the top-level await): Bun then skips parsing and compiling the bundled modules at start.
  run(
    [bun, 'build', '--compile', '--bytecode', '--format=esm', 'worker-compiled.ts', '--outfile', 'worker-bytecode'],
    app,
  );
  // The prebuilt-bundle worker and everything it imports in one CommonJS file with its bytecode
  // beside it (and the platform library), run with `bun`: no `--compile`.
  run([bun, 'build', '--target=bun', '--bytecode', 'worker-prebuilt-cjs.ts', '--outdir', 'bytecode-dist'], app);
  const compiledFolder = join(workspace, 'empty');
  mkdirSync(compiledFolder);
  for (const executable of ['worker-compiled', 'worker-bytecode']) {
    copyFileSync(join(app, executable), join(compiledFolder, executable));
    run(['chmod', '+x', join(compiledFolder, executable)], compiledFolder);
  }
  const compiledBytes = statSync(join(compiledFolder, 'worker-compiled')).size;
  const bytecodeBytes = statSync(join(compiledFolder, 'worker-bytecode')).size;

  const variants = [
    { name: '`bun worker.ts`, `workflowsPath`', command: [bun, 'worker.ts'], cwd: app },
    { name: '`bun worker.ts`, prebuilt bundle (`codePath`)', command: [bun, 'worker-prebuilt.ts'], cwd: app },
    {
      name: '`bun dist/worker.js`, prebuilt bundle, worker bundled with bytecode (`bun build --target=bun --bytecode`)',
      command: [bun, 'bytecode-dist/worker-prebuilt-cjs.js'],
      cwd: app,
    },
    {
      name: 'single-file worker (compiled, bundle embedded), empty folder',
      command: [join(compiledFolder, 'worker-compiled')],
      cwd: compiledFolder,
    },
    {
      name: 'single-file worker with bytecode (`--bytecode --format=esm`), empty folder',
      command: [join(compiledFolder, 'worker-bytecode')],
      cwd: compiledFolder,
    },
  ];
  const samples = new Map<string, number[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const taskQueue = `packaged-${round}-${samples.get(variant.name)!.length}-${variant.command.length}-${Math.random().toString(36).slice(2)}`;
      const spawnedAt = performance.now();
      const child = spawn(variant.command, {
        cwd: variant.cwd,
        env: {
          ...process.env,
          TEMPORAL_BUN_BRIDGE_PATH: undefined,
          TEMPORAL_ADDRESS: server.address,
          TASK_QUEUE: taskQueue,
        },
        stdin: 'ignore',
        stdout: 'ignore',
        stderr: 'pipe',
      });
      const exited = child.exited.then((code) => {
        throw new Error(`${variant.name} exited ${code} before polling`);
      });
      const firstPoll = await waitForFirstPoll({
        connection,
        namespace: server.namespace,
        taskQueue,
        spawnedAt,
        intervalMs: 5,
        timeoutMs: 60_000,
        abort: exited,
      });
      samples.get(variant.name)!.push(firstPoll.firstPollMs);
      exited.catch(() => undefined);
      child.kill('SIGINT');
      await child.exited;
    }
  }

  const rows = variants.map((variant) => {
    const values = samples.get(variant.name)!;
    return `| ${variant.name} | ${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}) |`;
  });
  console.log(
    `Tarballs (make package):\n\n| tarball | compressed | unpacked |\n|---|---|---|\n${sizeRows.join('\n')}\n`,
  );
  console.log(
    `Single-file worker: ${mib(compiledBytes)}, with bytecode ${mib(bytecodeBytes)} (Bun ${Bun.version} runtime included).\n`,
  );
  console.log(
    `Spawn → first poll at the server, ms, median (range) of ${rounds} rounds:\n\n| worker | ms |\n|---|---|\n${rows.join('\n')}`,
  );
} finally {
  await connection.close();
  await server.stop();
  rmSync(workspace, { recursive: true, force: true });
}
