/**
 * What a user gets from the npm tarballs alone (`make package` writes them to dist/npm): they are
 * installed with Bun into fresh projects in a temporary folder outside the repository (no
 * `target/` above it, `TEMPORAL_BUN_BRIDGE_PATH` unset), and then
 * - a worker (`createWorker` with `workflowsPath`) runs workflows written against
 *   `@temporalio/workflow` and activities against `@temporalio/activity`, driven by the official
 *   `@temporalio/client`, against a real dev server;
 * - the project type-checks with `strict` and `exactOptionalPropertyTypes`;
 * - `temporal-bun bundle` writes a prebuilt bundle, `bun build --compile` (plain, and with
 *   `--bytecode`) makes a single-file worker that embeds it as text, and that executable runs the
 *   same workflows from an empty folder;
 * - `temporal-bun init` writes a project whose own `bun test` passes.
 * Each tarball's file list is checked, and the platform package's library against the glibc floor.
 *
 *   make test-consumer      (TEMPORAL_BUN_DIST=<folder of tarballs>, TEMPORAL_CLI_PATH=<temporal CLI>)
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { spawn, type Subprocess } from 'bun';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startDevServer, type DevServer } from '../../packages/temporal-bun-sdk/src/dev-server';
import { GLIBC_FLOOR, bridgePlatformFor, hostPlatform } from '../../packages/temporal-bun-sdk/src/native/platform';

const distDirectory = resolve(process.env.TEMPORAL_BUN_DIST ?? join(import.meta.dir, '..', '..', 'dist', 'npm'));
const bun = process.execPath;
const platform = bridgePlatformFor(hostPlatform());
if (platform === undefined) throw new Error('the consumer test runs on a platform with a prebuilt library');

/** The tarball of `name` in the dist folder (exactly one, at the version of the main package). */
function tarball(name: string, version: string): string {
  const path = join(distDirectory, `${name}-${version}.tgz`);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`make package\` first`);
  return path;
}

const mainVersion = (() => {
  const versions = readdirSync(distDirectory)
    .map((file) => /^temporal-bun-sdk-(\d+\.\d+\.\d+(?:-[\w.]+)?)\.tgz$/.exec(file)?.[1])
    .filter((version): version is string => version !== undefined);
  if (versions.length !== 1)
    throw new Error(`expected one temporal-bun-sdk tarball in ${distDirectory}, found ${versions.length}`);
  return versions[0]!;
})();
const mainTarball = tarball('temporal-bun-sdk', mainVersion);
const platformTarball = tarball(platform.packageName, mainVersion);

/**
 * The environment of every command: no bridge override, and `bun` on PATH as a user has it (the
 * installed CLIs start with `#!/usr/bin/env bun`).
 */
const bunOnPath = mkdtempSync(join(tmpdir(), 'tbs-consumer-bin-'));
symlinkSync(bun, join(bunOnPath, 'bun'));
const baseEnvironment: Record<string, string | undefined> = {
  ...process.env,
  PATH: `${bunOnPath}:${process.env.PATH ?? ''}`,
  TEMPORAL_BUN_BRIDGE_PATH: undefined,
  NO_COLOR: '1',
};

async function run(
  command: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; timeoutMs?: number },
) {
  const child = spawn(command, {
    cwd: options.cwd,
    env: { ...baseEnvironment, ...options.env },
    stdout: 'pipe',
    stderr: 'pipe',
    timeout: options.timeoutMs ?? 300_000,
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, exitCode };
}

async function runOk(command: string[], options: Parameters<typeof run>[1]): Promise<string> {
  const result = await run(command, options);
  if (result.exitCode !== 0) {
    throw new Error(
      `${command.join(' ')} (in ${options.cwd}) exited ${result.exitCode}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

async function tarballFiles(path: string): Promise<string[]> {
  const listing = await runOk(['tar', '-tzf', path], { cwd: distDirectory });
  return listing
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''))
    .sort();
}

async function tarballManifest(path: string): Promise<Record<string, any>> {
  return JSON.parse(await runOk(['tar', '-xOzf', path, 'package/package.json'], { cwd: distDirectory }));
}

/** A long-running process whose stdout is watched for a line. */
class Background {
  readonly child: Subprocess<'ignore', 'pipe', 'pipe'>;
  #output = '';
  #errors = '';

  constructor(command: string[], cwd: string, env: Record<string, string | undefined>) {
    this.child = spawn(command, {
      cwd,
      env: { ...baseEnvironment, ...env },
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    void this.#collect(this.child.stdout, (text) => (this.#output += text));
    void this.#collect(this.child.stderr, (text) => (this.#errors += text));
  }

  async #collect(stream: ReadableStream<Uint8Array>, sink: (text: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) sink(decoder.decode(chunk, { stream: true }));
  }

  async waitFor(text: string, timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#output.includes(text)) {
      if (this.child.exitCode !== null)
        throw new Error(
          `the process exited ${this.child.exitCode} before printing "${text}":\n${this.#output}\n${this.#errors}`,
        );
      if (Date.now() > deadline)
        throw new Error(`no "${text}" within ${timeoutMs} ms:\n${this.#output}\n${this.#errors}`);
      await Bun.sleep(50);
    }
    return this.#output;
  }

  /** SIGINT (graceful shutdown), then the exit code; SIGKILL if it takes longer than `graceMs`. */
  async stop(graceMs = 20_000): Promise<number> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.child.exited;
    clearTimeout(timer);
    return code;
  }

  get errors(): string {
    return this.#errors;
  }
}

const WORKFLOWS = `
import { defineQuery, defineSignal, proxyActivities, setHandler, condition } from '@temporalio/workflow';
import type * as activities from './activities';

const { describeOrder } = proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
export const approve = defineSignal<[string]>('approve');
export const status = defineQuery<string>('status');

export async function orderWorkflow(orderId: string, items: number): Promise<string> {
  let approvedBy: string | undefined;
  setHandler(approve, (who) => { approvedBy = who; });
  setHandler(status, () => (approvedBy === undefined ? 'waiting' : 'approved'));
  await condition(() => approvedBy !== undefined);
  return await describeOrder(orderId, items, approvedBy!);
}
`;

const ACTIVITIES = `
import { Context } from '@temporalio/activity';

export async function describeOrder(orderId: string, items: number, approvedBy: string): Promise<string> {
  const info = Context.current().info;
  Context.current().heartbeat(items);
  return \`order \${orderId}: \${items} items, approved by \${approvedBy}, activity \${info.activityType} attempt \${info.attempt}\`;
}
`;

const WORKER = `
import { createWorker } from 'temporal-bun-sdk';
import { loadBridgeLibrary } from 'temporal-bun-sdk/native';
import * as activities from './activities';

const worker = await createWorker({
  taskQueue: process.env.TASK_QUEUE!,
  workflowsPath: require.resolve('./workflows'),
  activities,
  connection: { address: process.env.TEMPORAL_ADDRESS! },
});
const library = await loadBridgeLibrary();
process.on('SIGINT', () => worker.shutdown());
console.log(\`worker ready (bridge \${library.version} from \${library.source})\`);
await worker.run();
console.log('worker stopped');
`;

/** Drives one workflow with the official client: start, query, signal, result. */
const CLIENT = `
import { Client, Connection } from '@temporalio/client';
import { approve, orderWorkflow, status } from './workflows';

const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
try {
  const client = new Client({ connection });
  const handle = await client.workflow.start(orderWorkflow, {
    taskQueue: process.env.TASK_QUEUE!,
    workflowId: process.env.WORKFLOW_ID!,
    args: ['A-17', 3],
  });
  console.log('status: ' + (await handle.query(status)));
  await handle.signal(approve, 'dana');
  console.log('result: ' + (await handle.result()));
} finally {
  await connection.close();
}
`;

/** A test of the project written with the installed testing kit (`temporal-bun-sdk/testing`), run by `bun test`. */
const KIT_TEST = `
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { createWorker } from 'temporal-bun-sdk';
import { MockActivityEnvironment, TestWorkflowEnvironment } from 'temporal-bun-sdk/testing';
import * as activities from './activities';
import { approve, orderWorkflow } from './workflows';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal();
});
afterAll(async () => {
  await env?.teardown();
});

test('kit: a worker on env.nativeConnection runs the workflow env.client starts', async () => {
  const worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue: 'kit',
    workflowsPath: require.resolve('./workflows'),
    activities,
  });
  const result = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(orderWorkflow, { taskQueue: 'kit', workflowId: 'kit-1', args: ['K-1', 2] });
    await handle.signal(approve, 'kim');
    return await handle.result();
  });
  expect(result).toBe('order K-1: 2 items, approved by kim, activity describeOrder attempt 1');
});

test('kit: the activity heartbeats in MockActivityEnvironment', async () => {
  const mock = new MockActivityEnvironment({ activityType: 'describeOrder', attempt: 3 });
  const beats: unknown[] = [];
  mock.on('heartbeat', (details) => beats.push(details));
  expect(await mock.run(activities.describeOrder, 'K-2', 5, 'lee')).toBe('order K-2: 5 items, approved by lee, activity describeOrder attempt 3');
  expect(beats).toEqual([5]);
});
`;

/** The single-file worker: the prebuilt bundle embedded as text, nothing read from disk. */
const SINGLE_FILE_IMPORTS = `
import code from './workflow-bundle.js' with { type: 'text' };
import { createWorker } from 'temporal-bun-sdk';
import { Client, Connection } from 'temporal-bun-sdk/client';
import * as activities from '../src/activities';
`;

const SINGLE_FILE_MAIN = `
// A client RPC: the modules the package loads on first use are inside the executable too.
const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const client = new Client({ connection });
const { capabilities } = await client.workflowService.getSystemInfo({});
console.log(capabilities ? 'client rpc answered' : 'client rpc without capabilities');
await connection.close();

const worker = await createWorker({
  taskQueue: process.env.TASK_QUEUE!,
  workflowBundle: { code },
  activities,
  connection: { address: process.env.TEMPORAL_ADDRESS! },
});
process.on('SIGINT', () => worker.shutdown());
console.log('compiled worker ready');
await worker.run();
console.log('worker stopped');
`;

/** The single-file worker, with top-level await (ESM). */
const SINGLE_FILE_WORKER = `${SINGLE_FILE_IMPORTS}${SINGLE_FILE_MAIN}`;

/** The same worker for a CommonJS bundle (bytecode without --compile), which has no top-level await. */
const BUNDLED_WORKER = `${SINGLE_FILE_IMPORTS}
async function main(): Promise<void> {${SINGLE_FILE_MAIN}}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'Preserve',
    moduleResolution: 'bundler',
    types: ['bun'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    skipLibCheck: true,
  },
  include: ['src'],
};

let workspace: string;
let server: DevServer;
let app: string;
let peerVersions: Record<string, string>;

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'tbs-consumer-'));
  for (let directory = workspace; dirname(directory) !== directory; directory = dirname(directory)) {
    if (existsSync(join(directory, 'target')))
      throw new Error(`${directory} has a target/ folder: the consumer test must run outside any build`);
  }
  server = await startDevServer({ headless: true, logLevel: 'error', startTimeoutMs: 60_000 });

  // The peer packages at the version the main package asks for.
  const manifest = await tarballManifest(mainTarball);
  peerVersions = Object.fromEntries(
    Object.entries(manifest.peerDependencies as Record<string, string>).map(([name, range]) => [
      name,
      range.replace(/^[~^]/, ''),
    ]),
  );

  app = join(workspace, 'app');
  mkdirSync(join(app, 'src'), { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer-app', private: true, type: 'module' }, null, 2),
  );
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  writeFileSync(join(app, 'src', 'workflows.ts'), WORKFLOWS);
  writeFileSync(join(app, 'src', 'activities.ts'), ACTIVITIES);
  writeFileSync(join(app, 'src', 'worker.ts'), WORKER);
  writeFileSync(join(app, 'src', 'client.ts'), CLIENT);
  writeFileSync(join(app, 'src', 'kit.test.ts'), KIT_TEST);
  await runOk(
    [
      bun,
      'add',
      mainTarball,
      platformTarball,
      ...Object.entries(peerVersions).map(([name, version]) => `${name}@${version}`),
      `@temporalio/client@${peerVersions['@temporalio/common']}`,
      'typescript@7.0.2',
      '@types/bun@1.4.5',
    ],
    { cwd: app },
  );
}, 600_000);

afterAll(async () => {
  await server?.stop();
  if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
  rmSync(bunOnPath, { recursive: true, force: true });
});

/** Runs the client against `taskQueue` and returns its output. */
function runClient(taskQueue: string, workflowId: string): Promise<string> {
  return runOk([bun, 'src/client.ts'], {
    cwd: app,
    env: { TEMPORAL_ADDRESS: server.address, TASK_QUEUE: taskQueue, WORKFLOW_ID: workflowId },
  });
}

const EXPECTED_RESULT = 'result: order A-17: 3 items, approved by dana, activity describeOrder attempt 1';

describe('the npm tarballs', () => {
  test('the main tarball holds the sources, declarations, CLIs, README and LICENSE, and no tests, benchmarks or Rust', async () => {
    const files = await tarballFiles(mainTarball);
    for (const expected of [
      'package.json',
      'README.md',
      'LICENSE',
      'types/index.d.ts',
      'types/client/index.d.ts',
      'types/testing/index.d.ts',
      'src/testing/index.ts',
      'src/index.ts',
      'src/cli/temporal-bun.ts',
      'src/cli/temporal-bun-worker.ts',
    ]) {
      expect(files).toContain(expected);
    }
    expect(
      files.filter((file) =>
        /(^|\/)(tests?|bench|crates|target)\/|\.test\.ts$|\.rs$|Cargo\.|\.so$|\.dylib$/.test(file),
      ),
    ).toEqual([]);
    const manifest = await tarballManifest(mainTarball);
    expect(manifest.optionalDependencies).toEqual({
      'temporal-bun-sdk-linux-x64-gnu': mainVersion,
      'temporal-bun-sdk-linux-arm64-gnu': mainVersion,
      'temporal-bun-sdk-linux-x64-musl': mainVersion,
      'temporal-bun-sdk-linux-arm64-musl': mainVersion,
      'temporal-bun-sdk-darwin-arm64': mainVersion,
      'temporal-bun-sdk-darwin-x64': mainVersion,
    });
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual([
      '@temporalio/activity',
      '@temporalio/common',
      '@temporalio/workflow',
    ]);
    expect(manifest.engines.bun).toBeString();
    expect(manifest.bin).toEqual({
      'temporal-bun-worker': './src/cli/temporal-bun-worker.ts',
      'temporal-bun': './src/cli/temporal-bun.ts',
    });
    expect(manifest.scripts).toBeUndefined();
    expect(manifest.devDependencies).toBeUndefined();
  });

  test('the platform tarball holds the stripped library and its entry modules, declared for its os, cpu and libc', async () => {
    const library = platform.os === 'darwin' ? 'libtemporal_bun_bridge.dylib' : 'libtemporal_bun_bridge.so';
    expect(await tarballFiles(platformTarball)).toEqual(
      ['LICENSE', 'README.md', 'bun.js', 'index.d.ts', 'index.js', library, 'package.json'].sort(),
    );
    const manifest = await tarballManifest(platformTarball);
    expect(manifest.version).toBe(mainVersion);
    expect(manifest.os).toEqual([platform.os]);
    expect(manifest.cpu).toEqual([platform.cpu]);
    expect(manifest.libc).toEqual(platform.libc === undefined ? undefined : [platform.libc]);
    expect(manifest.exports['.'].bun).toBe('./bun.js');
    expect(manifest.scripts).toBeUndefined();
  });

  test.if(platform.libc === 'glibc')(
    `the glibc library needs no glibc newer than ${GLIBC_FLOOR} and carries no debug info`,
    async () => {
      const library = join(app, 'node_modules', platform.packageName, 'libtemporal_bun_bridge.so');
      const symbols = await runOk(['objdump', '-T', library], { cwd: app });
      const versions = [...new Set([...symbols.matchAll(/GLIBC_(\d+(?:\.\d+)+)/g)].map((match) => match[1]!))];
      expect(versions.length).toBeGreaterThan(0);
      const newer = versions.filter(
        (version) => Bun.semver.order(`${version}.0`.split('.').slice(0, 3).join('.'), `${GLIBC_FLOOR}.0`) > 0,
      );
      expect(newer).toEqual([]);
      const sections = await runOk(['readelf', '-S', '-W', library], { cwd: app });
      expect(sections).not.toContain('.debug_info');
      expect(symbols).toContain('tbs_bridge_version');
    },
  );
});

describe('a project that installed the tarballs', () => {
  test('type-checks with strict and exactOptionalPropertyTypes', async () => {
    await runOk([bun, 'x', 'tsc', '--noEmit', '-p', '.'], { cwd: app });
  }, 120_000);

  test("the package's declarations type-check under the same settings (other packages' declarations aside)", async () => {
    // skipLibCheck off checks every declaration file; the @temporalio packages' own have errors
    // under these settings that are not ours to fix, so only our files must be clean.
    const result = await run([bun, 'x', 'tsc', '--noEmit', '-p', '.', '--skipLibCheck', 'false'], {
      cwd: app,
      timeoutMs: 120_000,
    });
    // Either a clean check or real diagnostics (of other packages): not a compiler that failed to run.
    expect(result.exitCode === 0 || result.stdout.includes('error TS')).toBe(true);
    const ours = result.stdout.split('\n').filter((line) => /^(src\/|node_modules\/temporal-bun-sdk\/)/.test(line));
    expect(ours).toEqual([]);
  }, 120_000);

  test('runs a worker (workflowsPath) that the official client drives end to end, with the library from the platform package', async () => {
    const worker = new Background([bun, 'src/worker.ts'], app, {
      TEMPORAL_ADDRESS: server.address,
      TASK_QUEUE: 'consumer-source',
    });
    try {
      const ready = await worker.waitFor('worker ready', 120_000);
      expect(ready).toContain(`worker ready (bridge ${mainVersion} from platform-package)`);
      const output = await runClient('consumer-source', 'consumer-source-1');
      expect(output).toContain('status: waiting');
      expect(output).toContain(EXPECTED_RESULT);
    } finally {
      expect(await worker.stop()).toBe(0);
    }
  }, 300_000);

  test("a test written with the installed testing kit passes under the project's bun test", async () => {
    const result = await run([bun, 'test', '--timeout', '120000', './src/kit.test.ts'], {
      cwd: app,
      timeoutMs: 240_000,
    });
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output).toContain('2 pass');
    expect(output).toContain('0 fail');
    expect(result.exitCode).toBe(0);
  }, 300_000);

  test('a missing library override is refused with an error naming the variable', async () => {
    const result = await run([bun, 'src/worker.ts'], {
      cwd: app,
      env: {
        TEMPORAL_ADDRESS: server.address,
        TASK_QUEUE: 'consumer-unused',
        TEMPORAL_BUN_BRIDGE_PATH: join(workspace, 'no-such-library.so'),
      },
      timeoutMs: 120_000,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('BridgeLibraryError');
    expect(result.stderr).toContain('TEMPORAL_BUN_BRIDGE_PATH');
  }, 180_000);

  test('the installed CLIs answer: temporal-bun and temporal-bun-worker', async () => {
    expect(await runOk([bun, 'x', 'temporal-bun', '--version'], { cwd: app })).toContain(mainVersion);
    expect(await runOk([bun, 'x', 'temporal-bun-worker', '--version'], { cwd: app })).toContain(mainVersion);
    const help = await runOk([bun, 'x', 'temporal-bun', '--help'], { cwd: app });
    expect(help).toContain('bundle');
    expect(help).toContain('init');
  }, 120_000);

  /** `single/` in the app with a fresh prebuilt bundle and `file` holding `source`. */
  async function singleFileSources(file: string, source: string): Promise<void> {
    mkdirSync(join(app, 'single'), { recursive: true });
    await runOk([bun, 'x', 'temporal-bun', 'bundle', 'src/workflows.ts', '-o', 'single/workflow-bundle.js'], {
      cwd: app,
    });
    writeFileSync(join(app, 'single', file), source);
  }

  /** Starts `command` in `cwd` as a worker on `taskQueue`; the client's workflow runs on it; it stops cleanly. */
  async function expectRunsTheWorkflow(command: string[], cwd: string, taskQueue: string): Promise<void> {
    const worker = new Background(command, cwd, { TEMPORAL_ADDRESS: server.address, TASK_QUEUE: taskQueue });
    try {
      await worker.waitFor('compiled worker ready', 120_000);
      expect(await worker.waitFor('client rpc answered')).toContain('client rpc answered');
      expect(await runClient(taskQueue, `${taskQueue}-1`)).toContain(EXPECTED_RESULT);
    } finally {
      expect(await worker.stop()).toBe(0);
    }
  }

  // Both the plain build and the bytecode build (JavaScriptCore bytecode made at build time, the
  // README's fastest start), each run from its own empty folder against the server.
  for (const [label, flags] of [
    ['', []],
    [' (with --bytecode)', ['--bytecode', '--format=esm']],
  ] as const) {
    test(`compiles a single-file worker${label} with a prebuilt bundle that runs from an empty folder`, async () => {
      const variant = flags.length === 0 ? 'compiled' : 'bytecode';
      await singleFileSources('worker.ts', SINGLE_FILE_WORKER);
      await runOk([bun, 'build', '--compile', ...flags, 'single/worker.ts', '--outfile', `single/worker-${variant}`], {
        cwd: app,
      });

      const empty = join(workspace, `empty-${variant}`);
      mkdirSync(empty);
      copyFileSync(join(app, 'single', `worker-${variant}`), join(empty, 'worker'));
      await runOk(['chmod', '+x', join(empty, 'worker')], { cwd: empty });
      expect(readdirSync(empty)).toEqual(['worker']);
      await expectRunsTheWorkflow([join(empty, 'worker')], empty, `consumer-${variant}`);
      expect(readdirSync(empty)).toEqual(['worker']);
    }, 300_000);
  }

  test('a worker bundled with bytecode (bun build --target=bun --bytecode) runs from another folder', async () => {
    await singleFileSources('bundled-worker.ts', BUNDLED_WORKER);
    const out = join(workspace, 'bundled');
    await runOk([bun, 'build', '--target=bun', '--bytecode', 'single/bundled-worker.ts', '--outdir', out], {
      cwd: app,
    });
    // The bundle, its bytecode and the platform library beside them, and nothing else.
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(3);
    expect(files).toContain('bundled-worker.js');
    expect(files).toContain('bundled-worker.js.jsc');
    expect(files.filter((file) => file.startsWith('libtemporal_bun_bridge'))).toHaveLength(1);

    // Run from a folder that is neither the project nor the bundle's: the library is found beside
    // the bundle, not relative to the working directory.
    const elsewhere = join(workspace, 'elsewhere');
    mkdirSync(elsewhere);
    await expectRunsTheWorkflow([bun, join(out, 'bundled-worker.js')], elsewhere, 'consumer-bundled');
  }, 300_000);
});

describe('temporal-bun init', () => {
  test('writes a project whose own test passes against the installed packages', async () => {
    await runOk([bun, 'x', 'temporal-bun', 'init', 'scaffolded'], { cwd: app });
    const scaffolded = join(app, 'scaffolded');
    // The scaffold names temporal-bun-sdk from the registry: point it at the tarballs instead.
    const manifestPath = join(scaffolded, 'package.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    expect(manifest.dependencies['temporal-bun-sdk']).toBe(`^${mainVersion}`);
    manifest.dependencies['temporal-bun-sdk'] = mainTarball;
    manifest.dependencies[platform.packageName] = platformTarball;
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    await runOk([bun, 'install'], { cwd: scaffolded });
    await runOk([bun, 'x', 'tsc', '--noEmit', '-p', '.'], { cwd: scaffolded });
    const result = await run([bun, 'test', '--timeout', '120000'], { cwd: scaffolded, timeoutMs: 300_000 });
    if (result.exitCode !== 0)
      throw new Error(`the scaffolded project's test failed:\n${result.stdout}\n${result.stderr}`);
    expect(`${result.stdout}${result.stderr}`).toMatch(/\b[1-9]\d* pass\b/);
    expect(`${result.stdout}${result.stderr}`).toMatch(/\b0 fail\b/);
  }, 600_000);
});
