/**
 * Stops a dev server when the process that started it ends without tearing it down: a test run that
 * crashed, was killed, or never reached its `afterAll`.
 *
 * The dev-server launcher kills its servers from a process `exit` listener, but `bun test` runs no
 * `exit` (or `beforeExit`) listeners (Bun 1.4), and no listener runs on SIGKILL. So each server of a
 * test environment gets a watchdog: a `sh` reading a pipe from this process. The pipe closes when
 * this process ends, however it ends; the shell then reads end-of-file and kills the server.
 */
import type { Subprocess } from 'bun';

/** Shell script: wait for end of input (this process gone), then kill the server (`$1`). */
const WATCHDOG_SCRIPT = 'while read -r _; do :; done; kill -KILL "$1" 2>/dev/null';

export interface ServerWatchdog {
  /** Ends the watchdog (after the server was stopped). Idempotent. */
  stop(): void;
}

/** Starts a watchdog that kills `serverPid` when this process ends, unless stopped first. */
export function watchServer(serverPid: number): ServerWatchdog {
  const watchdog: Subprocess = Bun.spawn(
    ['sh', '-c', WATCHDOG_SCRIPT, 'temporal-bun-sdk-server-watchdog', String(serverPid)],
    {
      stdin: 'pipe',
      stdout: 'ignore',
      stderr: 'ignore',
      // Its own process group: Ctrl+C in a terminal must not end the watchdog before this process.
      detached: true,
    },
  );
  // Neither the watchdog nor its pipe keeps a finished test run alive.
  watchdog.unref();
  return {
    stop() {
      if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
    },
  };
}
