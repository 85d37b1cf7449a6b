/**
 * The files of a project made by `temporal-bun init`, as strings: they ship inside `src/` with the
 * rest of the CLI, so the scaffold needs no template directory in the published package.
 *
 * The generated code is written for the generated `tsconfig.json` (strict, with
 * `exactOptionalPropertyTypes` and `noUncheckedIndexedAccess`); `tests/cli/init-command.test.ts`
 * type-checks it. Inside these strings, `\${` and `` \` `` are the generated code's own template
 * literals.
 */

/** What a scaffold varies on. */
export interface ProjectTemplateInput {
  /** The npm package name, already valid (see `packageNameFor` in `init-command.ts`). */
  projectName: string;
  /** The task queue the worker polls and the client starts workflows on. */
  taskQueue: string;
  /** The version of `temporal-bun-sdk` to depend on (a caret range is made of it). */
  sdkVersion: string;
  /** The SDK's peer dependency ranges (`@temporalio/workflow` → `~1.24.0`), used as they are. */
  peerVersions: Readonly<Record<string, string>>;
}

/** One file to write, `path` relative to the project directory with `/` separators. */
export interface ProjectFile {
  path: string;
  contents: string;
}

/**
 * The development tools the project pins: the same versions as this package's own
 * `devDependencies` (a test checks that they agree).
 */
export const PROJECT_TOOL_VERSIONS: Readonly<Record<'@types/bun' | 'typescript', string>> = {
  '@types/bun': '1.4.5',
  typescript: '7.0.2',
};

/** The `@temporalio/*` packages the generated code imports; each must be one of the SDK's peers. */
export const PROJECT_PEER_PACKAGES = ['@temporalio/activity', '@temporalio/common', '@temporalio/workflow'] as const;

/** The peer packages are listed in the SDK's manifest; a scaffold without one of them could not install. */
export class ProjectTemplateError extends Error {
  override readonly name = 'ProjectTemplateError';
}

const FENCE = '```';

function packageJson(input: ProjectTemplateInput): string {
  const dependencies: Record<string, string> = { 'temporal-bun-sdk': `^${input.sdkVersion}` };
  for (const name of PROJECT_PEER_PACKAGES) {
    const range = input.peerVersions[name];
    if (range === undefined) {
      throw new ProjectTemplateError(
        `the SDK's package.json has no peer dependency ${name}: add it to peerDependencies (the scaffold pins its range)`,
      );
    }
    dependencies[name] = range;
  }
  const manifest = {
    name: input.projectName,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      worker: 'bun run src/worker.ts',
      client: 'bun run src/client.ts',
      test: 'bun test',
      typecheck: 'tsc --noEmit',
    },
    dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
    devDependencies: { ...PROJECT_TOOL_VERSIONS },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function tsconfigJson(): string {
  const config = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'Preserve',
      moduleResolution: 'bundler',
      types: ['bun'],
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      isolatedModules: true,
      verbatimModuleSyntax: true,
      noEmit: true,
      skipLibCheck: true,
    },
    include: ['src', 'tests'],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

function sharedTs(input: ProjectTemplateInput): string {
  return `/** What the worker, the client and the tests agree on. */

/** The task queue the worker polls and the client starts workflows on. */
export const TASK_QUEUE = ${JSON.stringify(input.taskQueue)};
`;
}

function workflowsTs(): string {
  return `/**
 * The workflows, written with @temporalio/workflow exactly as for the official TypeScript SDK.
 *
 * Workflow code is replayed from its history after a crash or a restart, so it must be
 * deterministic: no I/O, no clocks, no randomness here. Side effects belong in activities, called
 * through proxyActivities; the worker runs this file in a sandbox that enforces it.
 */
import { defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type * as activities from './activities';

const { composeGreeting } = proxyActivities<typeof activities>({
  startToCloseTimeout: '10 seconds',
  // A failed attempt is retried after 1 s, then 2 s; the third failure fails the workflow.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** Replaces the salutation ("Hello") before the greeting is composed; send it with signalWithStart. */
export const setSalutationSignal = defineSignal<[salutation: string]>('setSalutation');

/** Greets \`name\`, e.g. "Hello, Temporal!". */
export async function greetingWorkflow(name: string): Promise<string> {
  let salutation = 'Hello';
  // Signals that arrived with the start (signalWithStart) are delivered as soon as the handler is set.
  setHandler(setSalutationSignal, (newSalutation) => {
    salutation = newSalutation;
  });
  return await composeGreeting(salutation, name);
}
`;
}

function activitiesTs(): string {
  return `/**
 * The activities, written with @temporalio/activity: ordinary async functions that may do I/O
 * (call services, read files, look at the clock). Temporal retries a failed attempt as the
 * workflow's retry policy says.
 */
import { Context } from '@temporalio/activity';

/** Composes a greeting; a real project would call a service here. */
export async function composeGreeting(salutation: string, name: string): Promise<string> {
  const context = Context.current();
  context.log.info('Composing a greeting', { name, attempt: context.info.attempt });
  // Long activities heartbeat as they progress: with a heartbeatTimeout set in the workflow, one
  // that stops heartbeating is retried, and a heartbeat is how an activity learns it was cancelled.
  context.heartbeat();
  return \`\${salutation}, \${name}!\`;
}
`;
}

function workerTs(): string {
  return `/**
 * The worker: runs the workflows of ./workflows.ts and the activities of ./activities.ts for the
 * task queue in ./shared.ts until Ctrl+C.
 *
 *   bun run worker    (server and namespace: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE or the temporal.toml
 *                     profile, else localhost:7233 and "default", the same as the client's)
 */
import { createWorker, type Logger, type Worker } from 'temporal-bun-sdk';
import * as activities from './activities';
import { TASK_QUEUE } from './shared';

export interface WorkerSettings {
  /**
   * \`host:port\` of the Temporal server; when given, the environment is not read. Default:
   * $TEMPORAL_ADDRESS or the temporal.toml profile, else localhost:7233.
   */
  address?: string;
  /** Default: $TEMPORAL_NAMESPACE or the profile's, else "default". */
  namespace?: string;
  /** Default: the SDK's console logger at INFO. */
  logger?: Logger;
}

/** Connects to the server and prepares a worker; call \`run()\` on it to start polling. */
export async function startWorker(settings: WorkerSettings = {}): Promise<Worker> {
  return await createWorker({
    // Without an address the connection resolves as the client's: TEMPORAL_*, then temporal.toml.
    connection: settings.address === undefined ? {} : { address: settings.address, envConfig: false },
    ...(settings.namespace === undefined ? {} : { namespace: settings.namespace }),
    taskQueue: TASK_QUEUE,
    // Bundled with Bun.build when the worker starts, then run in the workflow sandbox.
    workflowsPath: require.resolve('./workflows'),
    activities,
    // On Ctrl+C, activities already running get this long to finish before they are cancelled.
    shutdownGraceTime: '10 seconds',
    // With exactOptionalPropertyTypes an absent option is left out, not set to undefined.
    ...(settings.logger === undefined ? {} : { logger: settings.logger }),
  });
}

if (import.meta.main) {
  const worker = await startWorker();
  let signalsReceived = 0;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // The first signal drains gracefully; a second one cancels running activities at once.
    process.on(signal, () => worker.shutdown(++signalsReceived > 1 ? 0 : undefined));
  }
  console.log(\`Worker polling task queue \${TASK_QUEUE}; press Ctrl+C to stop\`);
  await worker.run();
  console.log('Worker stopped');
}
`;
}

function clientTs(): string {
  return `/**
 * The client: starts a greeting workflow and prints its result. A worker must be running on the
 * same server (\`bun run worker\`).
 *
 *   bun run client [name]    (server and namespace: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE or the
 *                            temporal.toml profile, else localhost:7233 and "default")
 */
import { Client, Connection } from 'temporal-bun-sdk/client';
import { TASK_QUEUE } from './shared';
import { greetingWorkflow } from './workflows';

const name = process.argv[2] ?? 'Temporal';
const connection = await Connection.connect();
try {
  const client = new Client({ connection });
  const handle = await client.workflow.start(greetingWorkflow, {
    taskQueue: TASK_QUEUE,
    // A workflow id names one business process; starting a second one with the same id fails while the first runs.
    workflowId: \`greeting-\${crypto.randomUUID()}\`,
    args: [name],
  });
  console.log(\`Started workflow \${handle.workflowId}\`);
  console.log(await handle.result());
} finally {
  await connection.close();
}
`;
}

function workflowTestTs(): string {
  return `/**
 * The greeting workflow end to end against a real server: a local Temporal dev server on a free
 * port (the \`temporal\` CLI, found through $TEMPORAL_CLI_PATH or PATH), this project's worker, and
 * a client.
 */
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from 'bun:test';
import { ConsoleLogger, type Worker } from 'temporal-bun-sdk';
import { Client, Connection } from 'temporal-bun-sdk/client';
import { startDevServer, type DevServer } from 'temporal-bun-sdk/dev-server';
import { TASK_QUEUE } from '../src/shared';
import { startWorker } from '../src/worker';
import { greetingWorkflow, setSalutationSignal } from '../src/workflows';

// The first workflow task on a fresh server can take a few seconds on a busy machine.
setDefaultTimeout(30_000);

let server: DevServer | undefined;
let worker: Worker | undefined;
let workerRunning: Promise<void> | undefined;
let connection: Connection | undefined;
let client: Client;

beforeAll(async () => {
  server = await startDevServer(); // in memory, headless, on a free port
  worker = await startWorker({ address: server.address, namespace: server.namespace, logger: new ConsoleLogger('WARN') });
  workerRunning = worker.run();
  // envConfig: false keeps the developer's TEMPORAL_* settings (a cloud API key…) away from the dev server.
  connection = await Connection.connect({ address: server.address, namespace: server.namespace, envConfig: false });
  client = new Client({ connection });
}, 60_000);

afterAll(async () => {
  // Each step runs even when the one before it (or the setup) failed, so no server outlives the tests.
  try {
    worker?.shutdown();
    await workerRunning;
  } finally {
    try {
      await connection?.close();
    } finally {
      await server?.stop();
    }
  }
}, 30_000);

test('greetingWorkflow greets the name it is given', async () => {
  const result = await client.workflow.execute(greetingWorkflow, {
    taskQueue: TASK_QUEUE,
    workflowId: \`greeting-test-\${crypto.randomUUID()}\`,
    args: ['Temporal'],
  });
  expect(result).toBe('Hello, Temporal!');
});

test('the setSalutation signal sent with the start replaces the salutation', async () => {
  const handle = await client.workflow.signalWithStart(greetingWorkflow, {
    taskQueue: TASK_QUEUE,
    workflowId: \`greeting-test-\${crypto.randomUUID()}\`,
    args: ['Temporal'],
    signal: setSalutationSignal,
    signalArgs: ['Bonjour'],
  });
  expect(await handle.result()).toBe('Bonjour, Temporal!');
});
`;
}

function readme(input: ProjectTemplateInput): string {
  const { projectName, taskQueue } = input;
  return `# ${projectName}

A Temporal application on [Bun](https://bun.sh), made by \`temporal-bun init\`: a worker and a
client from [temporal-bun-sdk](https://www.npmjs.com/package/temporal-bun-sdk), with workflows and
activities written with the official \`@temporalio/workflow\` and \`@temporalio/activity\`.

- \`src/workflows.ts\`: \`greetingWorkflow\`, which calls one activity; the \`setSalutation\` signal
  changes its salutation.
- \`src/activities.ts\`: \`composeGreeting\`, the activity.
- \`src/shared.ts\`: the task queue, \`${taskQueue}\`.
- \`src/worker.ts\`: the worker (\`createWorker\` from \`temporal-bun-sdk\`).
- \`src/client.ts\`: starts the workflow and prints its result (\`temporal-bun-sdk/client\`).
- \`tests/workflow.test.ts\`: the workflow end to end against a local dev server.

## Set up

${FENCE}sh
bun install
${FENCE}

The tests and \`--dev\` below start a local Temporal server with the \`temporal\` CLI: install it
(https://docs.temporal.io/cli, e.g. \`brew install temporal\`) so that it is on your PATH, or point
\`TEMPORAL_CLI_PATH\` at it.

## Test

${FENCE}sh
bun test
${FENCE}

Starts a dev server on a free port, runs the worker against it, executes the workflow through the
client and checks its result, then stops everything.

## Run

Worker and local dev server in one command (the server listens on localhost:7233, its web UI on
http://localhost:8233, when those ports are free):

${FENCE}sh
bunx temporal-bun-worker --dev --task-queue ${taskQueue} --workflows src/workflows.ts --activities src/activities.ts
${FENCE}

Or the project's own worker, against a server you run (\`temporal server start-dev\`, or set
\`TEMPORAL_ADDRESS\` and \`TEMPORAL_NAMESPACE\`, or a profile in \`temporal.toml\`):

${FENCE}sh
bun run worker
${FENCE}

Then, in another terminal, start a workflow and print its result:

${FENCE}sh
bun run client            # Hello, Temporal!
bun run client Ada        # Hello, Ada!
${FENCE}

\`bun run typecheck\` type-checks the project.

## A single-file worker

\`bun build --compile\` makes one executable, but \`workflowsPath\` names a file that the worker
bundles when it starts. Bundle the workflows ahead of time and embed the bundle instead:

${FENCE}sh
bunx temporal-bun bundle src/workflows.ts -o workflow-bundle.js
${FENCE}

${FENCE}ts
import code from './workflow-bundle.js' with { type: 'text' };

const worker = await createWorker({ workflowBundle: { code }, activities, taskQueue: TASK_QUEUE });
${FENCE}

${FENCE}sh
bun build --compile --bytecode --format=esm src/worker.ts --outfile ${projectName}-worker
${FENCE}

\`--bytecode\` compiles the code to JavaScriptCore bytecode at build time, so the worker starts faster;
\`--format=esm\` keeps the worker's top-level \`await\`.
`;
}

function gitignore(): string {
  return `node_modules
*.log
`;
}

/**
 * The files of a new project, in the order they are listed to the user.
 *
 * @example
 * projectTemplateFiles({ projectName: 'orders', taskQueue: 'orders', sdkVersion: SDK_VERSION, peerVersions: PEER_PACKAGE_RANGES })
 * // → [{ path: 'package.json', contents: '{ "name": "orders", … }' }, { path: 'tsconfig.json', … }, …]
 */
export function projectTemplateFiles(input: ProjectTemplateInput): ProjectFile[] {
  return [
    { path: 'package.json', contents: packageJson(input) },
    { path: 'tsconfig.json', contents: tsconfigJson() },
    { path: '.gitignore', contents: gitignore() },
    { path: 'README.md', contents: readme(input) },
    { path: 'src/shared.ts', contents: sharedTs(input) },
    { path: 'src/workflows.ts', contents: workflowsTs() },
    { path: 'src/activities.ts', contents: activitiesTs() },
    { path: 'src/worker.ts', contents: workerTs() },
    { path: 'src/client.ts', contents: clientTs() },
    { path: 'tests/workflow.test.ts', contents: workflowTestTs() },
  ];
}
