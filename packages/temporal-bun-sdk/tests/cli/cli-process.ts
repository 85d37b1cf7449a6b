/**
 * Runs the package's CLIs as subprocesses (`bun src/cli/<name>.ts …`) and keeps track of them and
 * of the dev servers they report, so that {@link killAllCliProcesses} (called in `afterAll`) leaves
 * nothing running even when a test fails half-way.
 */
import type { Subprocess } from 'bun';
import { resolve } from 'node:path';

const packageRoot = resolve(import.meta.dir, '../..');
const cliFolder = resolve(packageRoot, 'src/cli');

export type CliName = 'temporal-bun-worker' | 'temporal-bun';

export interface CliProcess {
  readonly pid: number;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Sends `signal` to the process's whole group, as a terminal's Ctrl+C does (needs `processGroup: true`). */
  killGroup(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (or 128 + signal number when killed). */
  readonly exited: Promise<number>;
  exitCode(): number | null;
  kill(signal: NodeJS.Signals): void;
  /** The first stdout line matching `pattern`; rejects with both outputs if the process exits or time runs out first. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Exit code, or rejects if the process is still running after `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<number>;
}

const running = new Set<Subprocess>();
/** PIDs of dev servers started by the CLIs (they outlive a CLI killed with SIGKILL). */
const reportedServerPids = new Set<number>();

function drain(stream: ReadableStream<Uint8Array>, onText: (text: string) => void): void {
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of stream) onText(decoder.decode(chunk, { stream: true }));
  })().catch(() => undefined);
}

/**
 * Starts `name` with `args` in the package's folder (relative paths are relative to it). `env` is
 * added to the inherited environment, from which `TEMPORAL_*` settings are removed.
 */
export function spawnCli(
  name: CliName,
  args: string[],
  options: {
    env?: Record<string, string | undefined> /** Lead a new process group, as a shell does for a foreground job. */;
    processGroup?: boolean;
  } = {},
): CliProcess {
  // The tests' own environment must not leak connection settings into the CLI under test.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('TEMPORAL_') || key === 'TEMPORAL_CLI_PATH'),
  );
  const child = Bun.spawn([process.execPath, resolve(cliFolder, `${name}.ts`), ...args], {
    cwd: packageRoot,
    detached: options.processGroup ?? false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...inherited, TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml', ...options.env },
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  const stdoutListeners = new Set<() => void>();
  drain(child.stdout, (text) => {
    stdout += text;
    for (const match of text.matchAll(/pid (\d+)/g)) reportedServerPids.add(Number(match[1]));
    for (const listener of stdoutListeners) listener();
  });
  drain(child.stderr, (text) => (stderr += text));
  const exited = child.exited.then((code) => {
    running.delete(child);
    return code;
  });
  const describeOutput = () => `\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;

  return {
    pid: child.pid,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    exitCode: () => child.exitCode,
    kill: (signal) => child.kill(signal),
    killGroup: (signal) => process.kill(-child.pid, signal),
    waitForLine(pattern, timeoutMs = 30_000) {
      return new Promise((resolveLine, reject) => {
        const check = () => {
          for (const line of stdout.split('\n')) {
            const match = line.match(pattern);
            if (match) {
              finish();
              resolveLine(match);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${name}: no stdout line matched ${pattern} within ${timeoutMs} ms${describeOutput()}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          stdoutListeners.delete(check);
        };
        stdoutListeners.add(check);
        void exited.then((code) => {
          if (!stdoutListeners.has(check)) return;
          check();
          if (!stdoutListeners.has(check)) return;
          finish();
          reject(new Error(`${name} exited (${code}) before printing a line matching ${pattern}${describeOutput()}`));
        });
        check();
      });
    },
    async waitForExit(timeoutMs = 30_000) {
      let timer: Timer | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${name} still running after ${timeoutMs} ms${describeOutput()}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Whether a process with this PID exists (zombies excluded: `ps` reports their state as Z). */
export function isProcessAlive(pid: number): boolean {
  const probe = Bun.spawnSync(['ps', '-o', 'stat=', '-p', String(pid)]);
  const state = probe.stdout.toString().trim();
  return probe.exitCode === 0 && state !== '' && !state.startsWith('Z');
}

/** Kills every CLI started by {@link spawnCli} and every dev server they reported, and waits for the CLIs to exit. */
export async function killAllCliProcesses(): Promise<void> {
  const children = [...running];
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(children.map((child) => child.exited));
  for (const pid of reportedServerPids) {
    // Only a dev server: a PID reported long ago may belong to something else by now.
    const args = Bun.spawnSync(['ps', '-o', 'args=', '-p', String(pid)]).stdout.toString();
    if (!args.includes('server start-dev')) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  reportedServerPids.clear();
}

/** The `temporal` CLI of the repository (as the dev-server helper finds it). */
export const temporalCliPath =
  process.env.TEMPORAL_CLI_PATH ?? resolve(import.meta.dir, '../../../../.tools/venv/bin/temporal');
