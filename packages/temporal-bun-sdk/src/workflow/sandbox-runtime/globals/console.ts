/**
 * The sandbox's `console`: every method formats its arguments here, in the sandbox (`format`),
 * and hands the host one string. Whether the line is written (e.g. not while replaying) is the
 * host capability's decision.
 */
import type { SandboxConsoleLevel, SandboxHostCapabilities } from '../host-capabilities';
import { callHost, copyNothing } from './host-values';
import { format } from './inspect';
import {
  ErrorCaptureStackTrace,
  ErrorCtor,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  defineData,
} from '../primordials';

export type SandboxConsole = Record<SandboxConsoleLevel, (...args: unknown[]) => void>;

export function createConsole(host: SandboxHostCapabilities): SandboxConsole {
  const hostLog = host.log;
  const write = (level: SandboxConsoleLevel, message: string, stackStart: unknown): void => {
    callHost(hostLog, host, [level, message], copyNothing, stackStart);
  };
  const sandboxConsole = {} as SandboxConsole;
  const methods = {
    __proto__: null,
    log(...args: unknown[]): void {
      write('log', format(args), methods.log);
    },
    info(...args: unknown[]): void {
      write('info', format(args), methods.info);
    },
    warn(...args: unknown[]): void {
      write('warn', format(args), methods.warn);
    },
    error(...args: unknown[]): void {
      write('error', format(args), methods.error);
    },
    debug(...args: unknown[]): void {
      write('debug', format(args), methods.debug);
    },
    /** Node's `console.trace`: `Trace: <message>` and the caller's stack. */
    trace(...args: unknown[]): void {
      const message = args.length === 0 ? '' : format(args);
      const holder = new ErrorCtor(message);
      if (ErrorCaptureStackTrace !== undefined) ErrorCaptureStackTrace(holder, methods.trace);
      const stack = holder.stack;
      let frames = typeof stack === 'string' ? stack : '';
      // V8's format starts with the error's own `Error: message` line; JavaScriptCore's has frames only.
      const header = message === '' ? 'Error' : `Error: ${message}`;
      if (StringPrototypeSlice(frames, 0, header.length) === header) {
        const newline = StringPrototypeIndexOf(frames, '\n', header.length);
        frames = newline === -1 ? '' : StringPrototypeSlice(frames, newline + 1);
      }
      const title = message === '' ? 'Trace' : `Trace: ${message}`;
      write('trace', frames === '' ? title : `${title}\n${frames}`, methods.trace);
    },
  };
  const levels: readonly SandboxConsoleLevel[] = ['log', 'info', 'warn', 'error', 'debug', 'trace'];
  for (let index = 0; index < levels.length; index++) {
    const level = levels[index]!;
    defineData(sandboxConsole, level, methods[level]);
  }
  return sandboxConsole;
}
