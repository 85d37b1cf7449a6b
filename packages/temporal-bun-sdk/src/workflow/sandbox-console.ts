/**
 * Where workflow code's `console.*` output goes: the worker's logger, tagged with the run. The
 * sandbox formats the message and drops it while the run replays history (see
 * `sandbox-runtime/sealed-globals.ts`); only a string crosses.
 */
import type { Logger } from '../common/logger';
import type { SandboxConsoleLevel } from './sandbox-runtime/host-capabilities';
import { workflowLogAttributes } from './workflow-info';
import type { WorkflowRun } from './vm-shared';

const LEVELS: Record<SandboxConsoleLevel, 'info' | 'warn' | 'error' | 'debug' | 'trace'> = {
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
  debug: 'debug',
  trace: 'trace',
};

export function sandboxLog(
  logger: Logger,
  currentRun: () => WorkflowRun | undefined,
): (level: SandboxConsoleLevel, message: string) => void {
  return (level, message) => {
    const method = LEVELS[level] ?? 'info';
    const run = currentRun();
    const attributes = run ? workflowLogAttributes(run.info) : {};
    logger[method](String(message), { sdkComponent: 'workflow', ...attributes });
  };
}
