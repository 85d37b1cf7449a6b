/**
 * The worker option bounds have one home (`WORKER_LIMITS`); the bridge's copy, which it keeps as
 * defence at the FFI boundary (`limits` in crates/bridge/src/worker_options.rs), must say the same.
 */
import { describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { WORKER_LIMITS } from '../../src/worker/options';

const workerOptionsRs = resolve(import.meta.dir, '../../../../crates/bridge/src/worker_options.rs');

/** The `pub const NAME: type = value;` items of the Rust `limits` module, evaluated. */
async function rustLimits(): Promise<Record<string, number>> {
  const source = await Bun.file(workerOptionsRs).text();
  const module = /pub mod limits \{([\s\S]*?)\n\}/.exec(source)?.[1];
  if (module === undefined) throw new Error(`no \`pub mod limits\` in ${workerOptionsRs}`);
  const limits: Record<string, number> = {};
  for (const [, name, expression] of module.matchAll(/pub const (\w+): \w+ = ([^;]+);/g)) {
    limits[name!] = evaluate(expression!);
  }
  return limits;
}

/** The constant expressions the module uses: numbers with `_` separators, `.0`, and `(1 << n) - 1`. */
function evaluate(expression: string): number {
  const text = expression.replaceAll('_', '').trim();
  const shifted = /^\(1 << (\d+)\) - 1$/.exec(text);
  if (shifted) return 2 ** Number(shifted[1]) - 1;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`cannot evaluate the Rust constant expression ${expression}`);
  return value;
}

describe('worker option limits', () => {
  test('the bridge bounds every option by the same number as WORKER_LIMITS, and has no other bound', async () => {
    expect(await rustLimits()).toEqual({
      MAX_CACHED_WORKFLOWS: WORKER_LIMITS.maxCachedWorkflows,
      MAX_CONCURRENT_EXECUTIONS: WORKER_LIMITS.maxConcurrentExecutions,
      MAX_CONCURRENT_POLLS: WORKER_LIMITS.maxConcurrentPolls,
      MAX_ACTIVITIES_PER_SECOND: WORKER_LIMITS.activitiesPerSecond,
      MAX_DURATION_MS: WORKER_LIMITS.durationMs,
    });
  });
});
