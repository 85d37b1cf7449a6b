/**
 * `temporal-bun init <dir>`: writes a new project — a workflow, an activity, a worker, a client and
 * a test that runs them against a local dev server — ready for `bun install && bun test`.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { PEER_PACKAGE_RANGES, SDK_VERSION } from '../common/package-info';
import { CliUsageError, EXIT_CODES } from './cli-errors';
import { nonEmptyFlag, parseFlagsAndOperands } from './flag-values';
import { projectTemplateFiles } from './init-templates';

export const INIT_USAGE = `Usage: temporal-bun init <dir> [--task-queue <name>] [--force]

Creates a Temporal project for Bun in <dir>: a workflow and an activity, a worker, a client, and a
test that runs them against a local dev server. The directory's name becomes the package's name.

  <dir>                  Directory to create; it may exist if it is empty
  --task-queue <name>    Task queue of the worker and the client (default: the package's name)
  --force                Write into <dir> even if it is not empty; files with the same names are replaced
  -h, --help             Show this help

Example:
  temporal-bun init my-app
  cd my-app && bun install && bun test
`;

const INIT_FLAGS = {
  'task-queue': { type: 'string' },
  force: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Used when nothing of the directory's name survives sanitising (e.g. `_` or `...`). */
const FALLBACK_PACKAGE_NAME = 'temporal-bun-app';
/** npm's limit on the length of a package name. */
const MAX_PACKAGE_NAME_LENGTH = 214;
/** Names npm refuses whatever their characters. */
const RESERVED_PACKAGE_NAMES = new Set(['node_modules', 'favicon.ico']);
/**
 * Characters that need no quoting in a shell command or a TypeScript string, so that the task queue
 * can be written into the generated README's commands and code as it is.
 */
const TASK_QUEUE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

/**
 * A valid npm package name made of a directory's name: lower case; runs of characters npm does not
 * allow in a name (anything but `a-z 0-9 . _ -`) become one `-`; no leading `.`, `_` or `-`.
 *
 * @example
 * packageNameFor('My Temporal App') // → 'my-temporal-app'
 */
export function packageNameFor(directoryName: string): string {
  const name = directoryName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '')
    .slice(0, MAX_PACKAGE_NAME_LENGTH)
    .replace(/[._-]+$/, '');
  return name === '' || RESERVED_PACKAGE_NAMES.has(name) ? FALLBACK_PACKAGE_NAME : name;
}

function taskQueueFlag(value: string | undefined): string | undefined {
  const taskQueue = nonEmptyFlag(value, 'task-queue');
  if (taskQueue !== undefined && !TASK_QUEUE_PATTERN.test(taskQueue)) {
    throw new CliUsageError(
      `--task-queue must start with a letter or digit and contain only letters, digits and . _ : / -, got ${JSON.stringify(taskQueue)}`,
    );
  }
  return taskQueue;
}

/** The path as the user typed it, with the absolute path when that says more. */
function describePath(given: string, directory: string): string {
  return given === directory ? directory : `${given} (${directory})`;
}

/** Creates `directory` or checks that it may be written into; `given` is the path as the user typed it. */
function prepareDirectory(directory: string, given: string, force: boolean): void {
  if (!existsSync(directory)) {
    mkdirSync(directory, { recursive: true });
    return;
  }
  if (!statSync(directory).isDirectory()) {
    throw new CliUsageError(
      `init: ${describePath(given, directory)} exists and is not a directory: choose another path`,
    );
  }
  if (!force && readdirSync(directory).length > 0) {
    throw new CliUsageError(
      `init: ${describePath(given, directory)} is not empty: choose a new directory, or pass --force to write the project into it ` +
        '(files with the same names are replaced)',
    );
  }
}

/** How to reach `directory` from the current one in a shell, or undefined when it is the current one. */
function cdArgument(directory: string): string | undefined {
  const fromHere = relative(process.cwd(), directory);
  if (fromHere === '') return undefined;
  const path = fromHere.startsWith('..') ? directory : fromHere;
  return /^[A-Za-z0-9._/-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `temporal-bun init`: writes the project and prints what to do next on stdout. Returns the
 * exit code; throws {@link CliUsageError} for a wrong command line or a directory it must not
 * write into.
 */
export async function runInitCommand(argv: string[]): Promise<number> {
  const { values, operands } = parseFlagsAndOperands(argv, INIT_FLAGS);
  if (values.help) {
    process.stdout.write(INIT_USAGE);
    return EXIT_CODES.ok;
  }
  if (operands.length === 0)
    throw new CliUsageError('init: the project directory is required, e.g. `temporal-bun init my-app`');
  if (operands.length > 1) {
    throw new CliUsageError(
      `init: expected one project directory, got ${operands.length}: ${operands.map((path) => JSON.stringify(path)).join(' ')}`,
    );
  }
  const given = operands[0]!;
  if (given.trim() === '') throw new CliUsageError('init: the project directory must not be empty');
  const taskQueue = taskQueueFlag(values['task-queue']);

  const directory = resolve(given);
  const projectName = packageNameFor(basename(directory));
  const queue = taskQueue ?? projectName;
  const files = projectTemplateFiles({
    projectName,
    taskQueue: queue,
    sdkVersion: SDK_VERSION,
    peerVersions: PEER_PACKAGE_RANGES,
  });

  prepareDirectory(directory, given, values.force ?? false);
  for (const file of files) {
    const path = join(directory, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.contents);
  }

  const cd = cdArgument(directory);
  process.stdout.write(
    `Created ${projectName} in ${directory}:\n` +
      files.map((file) => `  ${file.path}\n`).join('') +
      '\nNext steps:\n' +
      (cd === undefined ? '' : `  cd ${cd}\n`) +
      '  bun install\n' +
      '  bun test                 # the workflow end to end on a local dev server (needs the `temporal` CLI)\n' +
      '\nRun it:\n' +
      `  bunx temporal-bun-worker --dev --task-queue ${queue} --workflows src/workflows.ts --activities src/activities.ts\n` +
      '  bun run client           # in another terminal: starts the workflow and prints its result\n' +
      '\nAgainst a server of your own: TEMPORAL_ADDRESS=host:7233 bun run worker, then bun run client.\n',
  );
  return EXIT_CODES.ok;
}
