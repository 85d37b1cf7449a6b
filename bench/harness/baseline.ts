/**
 * The `baseline` worker (BENCH_WORKERS=…,baseline BENCH_BASELINE=<git revision>): temporal-bun-sdk
 * as it was at another revision, run beside the working tree's in the same invocation, so that a
 * change is measured against its parent on the same server, machine load and rounds.
 *
 * The revision is checked out in a temporary git worktree. Its bridge is built there with
 * `scripts/cargo-bridge` into its own target directory (`target/bench-baseline`, kept between
 * invocations so that only the bridge crate and the link are rebuilt), never the working tree's
 * `target/<rust target>`. Its package is installed into the worktree's `bench/` together with
 * the working tree's worker script and workload, so that only the SDK differs. The worker loads
 * the baseline bridge through `TEMPORAL_BUN_BRIDGE_PATH`. The worktree is removed afterwards.
 */
import { cpSync, existsSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BRIDGE_LIBRARY_FILE, BRIDGE_PATH_ENV, bridgePlatformFor, hostPlatform } from 'temporal-bun-sdk/native';

const BUN = process.execPath;

/**
 * Where the worktree goes: one fixed path, so that a second benchmark building a baseline at the
 * same time, or a worktree left behind by a killed one, is found and named instead of piling up.
 * (A fresh checkout has new file times, so cargo rebuilds the bridge crate and the link every
 * time, about 2 minutes here; the dependencies come from `target/bench-baseline` already built.)
 */
const WORKTREE = join(tmpdir(), 'temporal-bun-bench-baseline');

/** The working tree's files the baseline worker runs with, relative to bench/. */
const BENCH_FILES = ['package.json', 'workers/ours.ts', 'workers/worker-settings.ts', 'workload'];

export interface BaselineBuild {
  /** The revision as given (BENCH_BASELINE). */
  revision: string;
  /** Its commit, abbreviated. */
  commit: string;
  /** The worktree's bench/ directory: the baseline worker runs `workers/ours.ts` from here. */
  benchDirectory: string;
  /** The bridge library built from the revision. */
  bridgePath: string;
  /** What the baseline worker needs in its environment to load that library. */
  env: Record<string, string>;
  /** Removes the worktree (idempotent). */
  remove(): void;
}

/** A command the baseline's build needed failed. */
export class BaselineBuildError extends Error {
  override name = 'BaselineBuildError';
}

function run(command: string[], options: { cwd: string; env?: Record<string, string> }): string {
  const result = Bun.spawnSync(command, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  if (!result.success) {
    const output = `${result.stdout.toString()}${result.stderr.toString()}`.slice(-6000);
    throw new BaselineBuildError(
      `${command.join(' ')} (in ${options.cwd}) failed (exit ${result.exitCode})\n${output}`,
    );
  }
  return result.stdout.toString().trim();
}

/**
 * Checks out `revision` in a temporary worktree and builds its bridge and package. Takes minutes
 * (the bridge's release build); call `remove()` once its worker is no longer needed.
 */
export function buildBaseline(
  revision: string,
  options: { repositoryRoot: string; benchDirectory: string; log: (line: string) => void },
): BaselineBuild {
  const { repositoryRoot, log } = options;
  let commit: string;
  try {
    commit = run(['git', 'rev-parse', '--short', `${revision}^{commit}`], { cwd: repositoryRoot });
  } catch (error) {
    throw new BaselineBuildError(`BENCH_BASELINE=${revision} is not a commit of this repository`, { cause: error });
  }
  const worktree = WORKTREE;
  if (existsSync(worktree))
    throw new BaselineBuildError(
      `${worktree} exists: another benchmark is using it, or one was killed before removing it (then: git worktree remove --force ${worktree})`,
    );
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    try {
      run(['git', 'worktree', 'remove', '--force', worktree], { cwd: repositoryRoot });
    } catch (error) {
      log(`baseline: could not remove the worktree ${worktree}: ${String(error)}`);
    }
    rmSync(worktree, { recursive: true, force: true });
    Bun.spawnSync(['git', 'worktree', 'prune'], { cwd: repositoryRoot, stdout: 'ignore', stderr: 'ignore' });
  };
  try {
    log(`baseline: ${revision} = ${commit}, worktree ${worktree}`);
    run(['git', 'worktree', 'add', '--detach', worktree, commit], { cwd: repositoryRoot });
    // The toolchain (Bun, cargo-zigbuild, the temporal CLI) is the working tree's.
    symlinkSync(join(repositoryRoot, '.tools'), join(worktree, '.tools'));

    const platform = bridgePlatformFor(hostPlatform());
    if (platform === undefined) throw new BaselineBuildError('no bridge platform for this machine');
    const targetDirectory = join(repositoryRoot, 'target', 'bench-baseline');
    // cargo zigbuild drops the glibc suffix of the target (x86_64-unknown-linux-gnu.2.28) from its
    // output directory, as the package's targetDirectoryName says.
    const rustTargetDirectory = platform.rustTarget.replace(/\.\d+(\.\d+)*$/, '');
    const bridgePath = join(targetDirectory, rustTargetDirectory, 'release', BRIDGE_LIBRARY_FILE);
    log(`baseline: building its bridge into ${targetDirectory} (minutes on a cold target directory)`);
    const started = performance.now();
    run(
      [
        'nice',
        '-n',
        '10',
        join(worktree, 'scripts', 'cargo-bridge'),
        'build',
        '--release',
        '--locked',
        '-p',
        'temporal-bun-bridge',
      ],
      { cwd: worktree, env: { CARGO_TARGET_DIR: targetDirectory } },
    );
    if (!existsSync(bridgePath)) throw new BaselineBuildError(`the baseline build left no library at ${bridgePath}`);
    log(`baseline: bridge built in ${((performance.now() - started) / 1000).toFixed(0)} s`);

    const benchDirectory = join(worktree, 'bench');
    for (const file of BENCH_FILES) {
      cpSync(join(options.benchDirectory, file), join(benchDirectory, file), { recursive: true, force: true });
    }
    // Not --frozen-lockfile: the baseline package's own dependencies may differ from today's lock.
    run([BUN, 'install', '--no-save'], { cwd: benchDirectory });
    log('baseline: package installed');
    return { revision, commit, benchDirectory, bridgePath, env: { [BRIDGE_PATH_ENV]: bridgePath }, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
