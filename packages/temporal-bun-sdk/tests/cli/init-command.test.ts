/**
 * `temporal-bun init`: the project it writes, the directories it refuses, and the generated
 * project checked the way its user will — type-checked under its own tsconfig, and its own
 * `bun test` run against a local dev server — with this package standing in for the installed
 * `temporal-bun-sdk` (its `node_modules` entries linked into the project's).
 */
import { afterAll, afterEach, beforeEach, describe, expect, spyOn, test, type Mock } from 'bun:test';
import {
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
import { join, relative, resolve } from 'node:path';
import { CliUsageError, EXIT_CODES } from '../../src/cli/cli-errors';
import { INIT_USAGE, packageNameFor, runInitCommand } from '../../src/cli/init-command';
import { PROJECT_TOOL_VERSIONS, ProjectTemplateError, projectTemplateFiles } from '../../src/cli/init-templates';
import { PEER_PACKAGE_RANGES, SDK_VERSION } from '../../src/common/package-info';
import { findTemporalCli } from '../../src/dev-server';
import manifest from '../../package.json' with { type: 'json' };

const packageRoot = resolve(import.meta.dir, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'temporal-bun-init-'));

const EXPECTED_FILES = [
  '.gitignore',
  'README.md',
  'package.json',
  'src/activities.ts',
  'src/client.ts',
  'src/shared.ts',
  'src/worker.ts',
  'src/workflows.ts',
  'tests/workflow.test.ts',
  'tsconfig.json',
];

let stdoutWrite: Mock<typeof process.stdout.write>;
let printed = '';

beforeEach(() => {
  printed = '';
  stdoutWrite = spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk);
    return true;
  });
});

afterEach(() => {
  stdoutWrite.mockRestore();
});

afterAll(() => {
  // rmSync removes the node_modules links of the generated projects, never what they point at.
  rmSync(scratch, { recursive: true, force: true });
});

let projectCount = 0;
/** A path under the scratch directory that does not exist yet. */
function freshPath(name = 'app'): string {
  projectCount += 1;
  return join(scratch, `${projectCount}`, name);
}

/** Every file under `directory`, relative to it, sorted. */
function listFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)))
    .sort();
}

function read(directory: string, path: string): string {
  return readFileSync(join(directory, path), 'utf8');
}

async function initExpectingUsageError(argv: string[]): Promise<CliUsageError> {
  const error = await runInitCommand(argv).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(CliUsageError);
  return error as CliUsageError;
}

describe('temporal-bun init writes a ready project', () => {
  test('a new directory gets package.json, tsconfig.json, the sources, a test, a README and a .gitignore', async () => {
    const directory = freshPath('greetings');
    expect(await runInitCommand([directory])).toBe(EXIT_CODES.ok);
    expect(listFiles(directory)).toEqual(EXPECTED_FILES);
  });

  test('package.json depends on this SDK by a caret range and on its peers by their own ranges, with the scripts a user runs', async () => {
    const directory = freshPath('greetings');
    await runInitCommand([directory]);
    expect(JSON.parse(read(directory, 'package.json'))).toEqual({
      name: 'greetings',
      version: '0.1.0',
      private: true,
      type: 'module',
      scripts: {
        worker: 'bun run src/worker.ts',
        client: 'bun run src/client.ts',
        test: 'bun test',
        typecheck: 'tsc --noEmit',
      },
      dependencies: {
        '@temporalio/activity': PEER_PACKAGE_RANGES['@temporalio/activity'],
        '@temporalio/common': PEER_PACKAGE_RANGES['@temporalio/common'],
        '@temporalio/workflow': PEER_PACKAGE_RANGES['@temporalio/workflow'],
        'temporal-bun-sdk': `^${SDK_VERSION}`,
      },
      devDependencies: { '@types/bun': '1.4.5', typescript: '7.0.2' },
    });
    // The range operator of the peers is kept, not replaced by a caret.
    expect(PEER_PACKAGE_RANGES['@temporalio/workflow']).toStartWith('~');
  });

  test('the pinned @types/bun and typescript are the versions this package develops with', () => {
    expect(PROJECT_TOOL_VERSIONS['@types/bun']).toBe(manifest.devDependencies['@types/bun']);
    expect(PROJECT_TOOL_VERSIONS.typescript).toBe(manifest.devDependencies.typescript);
  });

  test('tsconfig.json is strict, with exactOptionalPropertyTypes and noUncheckedIndexedAccess, for Bun', async () => {
    const directory = freshPath();
    await runInitCommand([directory]);
    const { compilerOptions, include } = JSON.parse(read(directory, 'tsconfig.json'));
    expect(compilerOptions).toMatchObject({
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      moduleResolution: 'bundler',
      module: 'Preserve',
      types: ['bun'],
      noEmit: true,
      skipLibCheck: true,
    });
    expect(include).toEqual(['src', 'tests']);
  });

  test('the sources: a workflow calling an activity, an activity using Context, a worker, a client and a dev-server test', async () => {
    const directory = freshPath();
    await runInitCommand([directory]);
    const workflows = read(directory, 'src/workflows.ts');
    expect(workflows).toContain("from '@temporalio/workflow'");
    expect(workflows).toContain('proxyActivities<typeof activities>');
    expect(workflows).toContain("defineSignal<[salutation: string]>('setSalutation')");

    const activities = read(directory, 'src/activities.ts');
    expect(activities).toContain("import { Context } from '@temporalio/activity'");
    expect(activities).toContain('Context.current()');

    const worker = read(directory, 'src/worker.ts');
    expect(worker).toContain("import { createWorker, type Logger, type Worker } from 'temporal-bun-sdk'");
    expect(worker).toContain("workflowsPath: require.resolve('./workflows')");
    // No address of its own: the connection resolves as the client's (TEMPORAL_*, temporal.toml).
    expect(worker).toContain('connection: settings.address === undefined ? {} :');
    expect(worker).not.toContain('process.env.TEMPORAL_ADDRESS');
    expect(worker).toContain("['SIGINT', 'SIGTERM']");

    const client = read(directory, 'src/client.ts');
    expect(client).toContain("import { Client, Connection } from 'temporal-bun-sdk/client'");
    expect(client).toContain('await Connection.connect();');
    expect(client).toContain('await handle.result()');

    const workflowTest = read(directory, 'tests/workflow.test.ts');
    expect(workflowTest).toContain("import { startDevServer, type DevServer } from 'temporal-bun-sdk/dev-server'");
    expect(workflowTest).toContain("expect(result).toBe('Hello, Temporal!')");
    expect(workflowTest).toContain('await server?.stop()');

    expect(read(directory, '.gitignore')).toBe('node_modules\n*.log\n');
  });

  test('the README says how to install, test, run the worker and the client, and build a single-file worker', async () => {
    const directory = freshPath('orders');
    await runInitCommand([directory]);
    const readme = read(directory, 'README.md');
    expect(readme).toStartWith('# orders\n');
    for (const command of [
      'bun install',
      'bun test',
      'bunx temporal-bun-worker --dev --task-queue orders --workflows src/workflows.ts --activities src/activities.ts',
      'bun run worker',
      'bun run client',
      'bunx temporal-bun bundle src/workflows.ts -o workflow-bundle.js',
      "import code from './workflow-bundle.js' with { type: 'text' };",
      'workflowBundle: { code }',
      'bun build --compile',
    ]) {
      expect(readme).toContain(command);
    }
  });

  test('the next steps are printed: cd, bun install, bun test, and how to run it', async () => {
    const directory = freshPath('next-steps');
    await runInitCommand([directory]);
    expect(printed).toStartWith(`Created next-steps in ${directory}:\n`);
    // The scratch directory is outside the current one, so the path to it is absolute.
    expect(printed).toContain(`  cd ${directory}\n`);
    expect(printed).toContain('  bun install\n');
    expect(printed).toContain('  bun test ');
    expect(printed).toContain('bunx temporal-bun-worker --dev --task-queue next-steps');
    expect(printed).toContain('bun run client');
  });

  test('a directory given relative to the current one is created there, and `cd` is given that path, quoted for a shell', async () => {
    const parent = resolve(freshPath(), '..');
    mkdirSync(parent, { recursive: true });
    const previous = process.cwd();
    process.chdir(parent);
    try {
      expect(await runInitCommand(["Tom's App"])).toBe(EXIT_CODES.ok);
    } finally {
      process.chdir(previous);
    }
    expect(JSON.parse(read(join(parent, "Tom's App"), 'package.json')).name).toBe('tom-s-app');
    expect(printed).toContain(`  cd 'Tom'\\''s App'\n`);
  });

  test('--help prints the usage, exits 0 and writes nothing', async () => {
    const before = readdirSync(scratch).length;
    expect(await runInitCommand(['--help'])).toBe(EXIT_CODES.ok);
    expect(printed).toBe(INIT_USAGE);
    expect(readdirSync(scratch).length).toBe(before);
  });
});

describe('the package name and the task queue', () => {
  test("the package name is the directory's name made valid for npm, and is the default task queue", async () => {
    const directory = freshPath('My Temporal App');
    await runInitCommand([directory]);
    expect(JSON.parse(read(directory, 'package.json')).name).toBe('my-temporal-app');
    expect(read(directory, 'src/shared.ts')).toContain('export const TASK_QUEUE = "my-temporal-app";');
  });

  test('names npm refuses become valid ones', () => {
    expect(packageNameFor('Ünïcode Ápp')).toBe('n-code-pp');
    expect(packageNameFor('_private.thing_')).toBe('private.thing');
    expect(packageNameFor('.hidden')).toBe('hidden');
    expect(packageNameFor('...')).toBe('temporal-bun-app');
    expect(packageNameFor('node_modules')).toBe('temporal-bun-app');
    expect(packageNameFor('a'.repeat(300))).toHaveLength(214);
  });

  test('--task-queue sets the task queue of the worker, the client and the README commands', async () => {
    const directory = freshPath('shop');
    await runInitCommand([directory, '--task-queue', 'orders.v2']);
    expect(read(directory, 'src/shared.ts')).toContain('export const TASK_QUEUE = "orders.v2";');
    expect(read(directory, 'README.md')).toContain('--task-queue orders.v2 ');
    expect(printed).toContain('--task-queue orders.v2 ');
    // The package keeps the directory's name.
    expect(JSON.parse(read(directory, 'package.json')).name).toBe('shop');
  });

  test('a task queue that would need quoting in a shell command is refused, and nothing is written', async () => {
    const directory = freshPath();
    const error = await initExpectingUsageError([directory, '--task-queue', 'my queue']);
    expect(error.message).toBe(
      '--task-queue must start with a letter or digit and contain only letters, digits and . _ : / -, got "my queue"',
    );
    expect(existsSync(directory)).toBe(false);
    expect((await initExpectingUsageError([directory, '--task-queue', ' '])).message).toBe(
      '--task-queue must not be empty',
    );
  });
});

describe('the target directory', () => {
  test('an existing empty directory is used', async () => {
    const directory = freshPath();
    mkdirSync(directory, { recursive: true });
    expect(await runInitCommand([directory])).toBe(EXIT_CODES.ok);
    expect(listFiles(directory)).toEqual(EXPECTED_FILES);
  });

  test('a directory that is not empty is refused, naming it and --force, and is left as it was', async () => {
    const directory = freshPath();
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'package.json'), '{"name": "mine"}\n');
    const error = await initExpectingUsageError([directory]);
    expect(error.message).toBe(
      `init: ${directory} is not empty: choose a new directory, or pass --force to write the project into it ` +
        '(files with the same names are replaced)',
    );
    expect(listFiles(directory)).toEqual(['package.json']);
    expect(read(directory, 'package.json')).toBe('{"name": "mine"}\n');
  });

  test('--force writes into a directory that is not empty: files with the same names are replaced, others kept', async () => {
    const directory = freshPath('forced');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'package.json'), '{"name": "mine"}\n');
    writeFileSync(join(directory, 'notes.txt'), 'keep me\n');
    expect(await runInitCommand([directory, '--force'])).toBe(EXIT_CODES.ok);
    expect(listFiles(directory)).toEqual([...EXPECTED_FILES, 'notes.txt'].sort());
    expect(JSON.parse(read(directory, 'package.json')).name).toBe('forced');
    expect(read(directory, 'notes.txt')).toBe('keep me\n');
  });

  test('a path that is a file is refused', async () => {
    const file = freshPath('a-file');
    mkdirSync(resolve(file, '..'), { recursive: true });
    writeFileSync(file, 'not a directory\n');
    const error = await initExpectingUsageError([file, '--force']);
    expect(error.message).toBe(`init: ${file} exists and is not a directory: choose another path`);
  });

  test('the directory is required, only one is accepted, and unknown flags are refused', async () => {
    expect((await initExpectingUsageError([])).message).toBe(
      'init: the project directory is required, e.g. `temporal-bun init my-app`',
    );
    expect((await initExpectingUsageError(['one', 'two'])).message).toBe(
      'init: expected one project directory, got 2: "one" "two"',
    );
    expect((await initExpectingUsageError([freshPath(), '--template', 'x'])).message).toContain(
      "Unknown option '--template'",
    );
  });
});

/**
 * A generated project whose `node_modules` holds links to this package's own dependencies (the
 * `@temporalio/*` packages, `@types/bun`, typescript) and `temporal-bun-sdk` → this package, so
 * that it resolves every import as it will once installed, without a registry.
 */
async function linkedProject(name: string): Promise<string> {
  const directory = freshPath(name);
  await runInitCommand([directory]);
  const nodeModules = join(directory, 'node_modules');
  mkdirSync(nodeModules);
  for (const entry of readdirSync(join(packageRoot, 'node_modules'))) {
    if (!entry.startsWith('.')) symlinkSync(join(packageRoot, 'node_modules', entry), join(nodeModules, entry));
  }
  symlinkSync(packageRoot, join(nodeModules, 'temporal-bun-sdk'));
  return directory;
}

async function runProcess(argv: string[], cwd: string, env: Record<string, string | undefined> = process.env) {
  const child = Bun.spawn(argv, { cwd, env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { stdout, stderr, exitCode };
}

describe('the generated project, as its user runs it', () => {
  test("its own files type-check under its tsconfig (strict, exactOptionalPropertyTypes) against this package's API", async () => {
    const directory = await linkedProject('typed');
    // A file with one known mistake proves that the project's files are checked at all.
    writeFileSync(
      join(directory, 'src/canary.ts'),
      'export const settings: { address?: string } = { address: undefined };\n',
    );
    const tsc = join(packageRoot, 'node_modules/typescript/bin/tsc');
    const { stdout, stderr } = await runProcess([process.execPath, tsc, '--noEmit', '-p', 'tsconfig.json'], directory);
    const diagnostics = `${stdout}${stderr}`.split('\n').filter((line) => /^\S.*\(\d+,\d+\): error TS\d+/.test(line));
    // Linked as source, the SDK's own files are checked under the project's stricter options too
    // (installed from its tarball, its types are declaration files, which skipLibCheck skips):
    // their diagnostics are not the scaffold's.
    const inProject = diagnostics.filter((line) => {
      const file = resolve(directory, line.slice(0, line.indexOf('(')));
      return file.startsWith(`${directory}/`) && !file.startsWith(`${directory}/node_modules/`);
    });
    expect(inProject).toHaveLength(1);
    expect(inProject[0]).toStartWith('src/canary.ts(1,');
    expect(inProject[0]).toContain("with 'exactOptionalPropertyTypes: true'");
  }, 60_000);

  test('its own `bun test` runs the workflow against a local dev server and passes', async () => {
    const directory = await linkedProject('tested');
    const { stdout, stderr, exitCode } = await runProcess([process.execPath, 'test'], directory, {
      ...process.env,
      TEMPORAL_CLI_PATH: findTemporalCli(),
    });
    if (exitCode !== 0) throw new Error(`bun test in the generated project exited ${exitCode}:\n${stdout}\n${stderr}`);
    expect(stderr).toContain('(pass) greetingWorkflow greets the name it is given');
    expect(stderr).toContain('(pass) the setSalutation signal sent with the start replaces the salutation');
    expect(stderr).toContain(' 2 pass');
  }, 120_000);
});

describe('projectTemplateFiles', () => {
  test('lists every file runInitCommand writes', () => {
    const files = projectTemplateFiles({
      projectName: 'x',
      taskQueue: 'x',
      sdkVersion: SDK_VERSION,
      peerVersions: PEER_PACKAGE_RANGES,
    });
    expect(files.map((file) => file.path).sort()).toEqual(EXPECTED_FILES);
  });

  test('refuses peer versions without a package the generated code imports, naming it', () => {
    const { '@temporalio/common': _common, ...withoutCommon } = PEER_PACKAGE_RANGES;
    expect(() =>
      projectTemplateFiles({ projectName: 'x', taskQueue: 'x', sdkVersion: SDK_VERSION, peerVersions: withoutCommon }),
    ).toThrow(
      new ProjectTemplateError(
        "the SDK's package.json has no peer dependency @temporalio/common: add it to peerDependencies (the scaffold pins its range)",
      ),
    );
  });
});
