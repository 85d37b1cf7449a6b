/**
 * The processes the harness starts (workers and clients), all tracked so that each one is stopped
 * by its PID when the harness ends, even on failure or Ctrl-C.
 */
import { mkdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { FileSink, Subprocess } from 'bun';

const BUN = process.execPath;
const live = new Set<Subprocess>();
let stderrDirectory: string | undefined;

/** From now on, every started process's whole stderr also goes to a file in `directory` (BENCH_STDERR_DIR). */
export function keepStderrIn(directory: string | undefined): void {
  if (directory === undefined) return;
  stderrDirectory = resolve(directory);
  mkdirSync(stderrDirectory, { recursive: true });
}

/** SIGKILLs every process still running; called on exit and on fatal errors. */
export function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}
process.on('exit', killAll);

export interface BenchProcess {
  readonly pid: number;
  /** performance.now() just before the spawn. */
  readonly spawnedAt: number;
  readonly exited: Promise<number>;
  /** Resolves once stdout has been read to its end. */
  readonly stdoutDone: Promise<void>;
  /** Resolves with the first stdout line starting with `prefix` (without it); rejects if the process exits first. */
  lineStartingWith(prefix: string, timeoutMs: number): Promise<string>;
  /** Every stdout line so far. */
  stdoutLines(): string[];
  /** The last few kilobytes of stderr. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; waits for the exit and resolves with how it ended. */
  stop(graceMs?: number): Promise<{ exitCode: number | null; signal: string | null; stopMs: number }>;
}

/** Starts `bun ...bunArguments <script> ...args` in `cwd`. */
export function spawnBun(
  script: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; bunArguments?: string[] },
): BenchProcess {
  return spawnProcess([BUN, ...(options.bunArguments ?? []), script, ...args], { ...options, name: script });
}

/**
 * Starts `command` (the program, then its arguments) in `cwd`, with `env` added to the harness's
 * environment. `name` is what error messages call it (default: the program).
 */
export function spawnProcess(
  command: string[],
  options: { cwd: string; env?: Record<string, string>; name?: string },
): BenchProcess {
  const script = options.name ?? command[0] ?? '';
  const spawnedAt = performance.now();
  const child = Bun.spawn(command, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  live.add(child);
  const exited = child.exited.then((code) => {
    live.delete(child);
    return code;
  });

  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  let stderr = '';
  const readStdout = (async () => {
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of child.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        lines.push(line);
        for (const waiter of [...waiters]) {
          if (line.startsWith(waiter.prefix)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(line.slice(waiter.prefix.length));
          }
        }
      }
    }
    if (pending) lines.push(pending);
  })();
  const stderrFile: FileSink | undefined =
    stderrDirectory === undefined
      ? undefined
      : Bun.file(join(stderrDirectory, `${basename(script)}-${child.pid}.stderr.log`)).writer();
  void (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      stderrFile?.write(chunk);
      stderr = (stderr + decoder.decode(chunk, { stream: true })).slice(-8000);
    }
    await stderrFile?.end();
  })();

  return {
    pid: child.pid,
    spawnedAt,
    exited,
    stdoutDone: readStdout,
    lineStartingWith(prefix, timeoutMs) {
      const seen = lines.find((line) => line.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen.slice(prefix.length));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${script}: no "${prefix.trim()}" line within ${timeoutMs} ms\n${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          prefix,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(async (code) => {
          await readStdout;
          clearTimeout(timer);
          reject(new Error(`${script} exited (${code}) before printing "${prefix.trim()}"\n${stderr}`));
        });
      });
    },
    stdoutLines: () => lines,
    stderrTail: () => stderr,
    async stop(graceMs = 10_000) {
      const stopping = performance.now();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      } else {
        await exited;
      }
      return {
        exitCode: child.exitCode,
        signal: child.signalCode === null ? null : String(child.signalCode),
        stopMs: performance.now() - stopping,
      };
    },
  };
}

/** Runs `bun <script> ...args` to completion; resolves with its stdout lines, rejects on a non-zero exit or timeout. */
export async function runBun(
  script: string,
  args: string[],
  options: { cwd: string; timeoutMs: number },
): Promise<string[]> {
  const child = spawnBun(script, args, { cwd: options.cwd });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void child.stop(1_000);
  }, options.timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  await child.stdoutDone;
  if (timedOut)
    throw new Error(`${script} did not finish within ${options.timeoutMs} ms (stopped)\n${child.stderrTail()}`);
  if (code !== 0) throw new Error(`${script} failed (exit ${code})\n${child.stderrTail()}`);
  return child.stdoutLines();
}
