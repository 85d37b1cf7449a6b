/**
 * Runtime.install: which sdk-core log records reach the workers' loggers. The runtime is
 * process-wide, so each case runs a worker in a process of its own.
 */
import { describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { coreLogFilterString, Runtime } from '../../src/connection';
import { useServerConnection } from '../helpers/server-connection';
import { runBunForJson } from '../helpers/json-process';

const env = useServerConnection();

interface FixtureOutput {
  coreRecords: Array<{ level: string; message: string }>;
  installAfterConnect: string;
  /** tokio threads while the worker ran; null where there is no /proc. */
  runtimeThreads: number | null;
}

async function runFixture(mode: 'default' | 'info', runtimeThreads?: number): Promise<FixtureOutput> {
  const threadArgs = runtimeThreads === undefined ? [] : [String(runtimeThreads)];
  return runBunForJson<FixtureOutput>([
    resolve(import.meta.dir, 'fixtures/core-logs-worker.ts'),
    env.server.address,
    env.server.namespace,
    mode,
    ...threadArgs,
  ]);
}

describe('Runtime.install', () => {
  test("by default only sdk-core's warnings and errors reach the logger; { core: 'INFO' } forwards its INFO records", async () => {
    const [byDefault, atInfo] = await Promise.all([runFixture('default'), runFixture('info')]);
    console.log(`core records: ${byDefault.coreRecords.length} by default, ${atInfo.coreRecords.length} at INFO`);
    expect(byDefault.coreRecords.filter((record) => record.level !== 'WARN' && record.level !== 'ERROR')).toEqual([]);
    expect(atInfo.coreRecords.some((record) => record.level === 'INFO')).toBe(true);
    expect(byDefault.installAfterConnect).toBe('IllegalStateError');
    expect(atInfo.installAfterConnect).toBe('IllegalStateError');
  });

  test.if(process.platform === 'linux')(
    'the runtime runs on one thread by default, on runtimeThreads when set',
    async () => {
      const [byDefault, three] = await Promise.all([runFixture('default'), runFixture('default', 3)]);
      expect(byDefault.runtimeThreads).toBe(1);
      expect(three.runtimeThreads).toBe(3);
    },
  );

  test('after the runtime exists, install throws an IllegalStateError', () => {
    // useServerConnection has connected in this process.
    expect(() => Runtime.install({ coreLogFilter: { core: 'DEBUG' } })).toThrow(/before the first connection/);
  });

  test('bad options are a TypeError naming the option, whether or not the runtime exists', () => {
    expect(() => Runtime.install({ coreLogFilter: { core: 'LOUD' as 'INFO' } })).toThrow(
      /coreLogFilter.core must be one of TRACE, DEBUG, INFO, WARN, ERROR/,
    );
    expect(() => Runtime.install({ workerHeartbeatIntervalMs: -5 })).toThrow(
      /workerHeartbeatIntervalMs must be a positive integer of at most 2147483647 \(ms\) or null/,
    );
    expect(() => Runtime.install({ workerHeartbeatIntervalMs: 1e18 })).toThrow(
      /workerHeartbeatIntervalMs must be a positive integer of at most/,
    );
    expect(() => Runtime.install({ workerHeartbeatIntervalMs: 1.5 })).toThrow(TypeError);
    for (const runtimeThreads of [0, 1.5, 1025, Number.NaN]) {
      expect(() => Runtime.install({ runtimeThreads })).toThrow(/runtimeThreads must be an integer from 1 to 1024/);
    }
  });

  test('coreLogFilter: levels become an EnvFilter string; bad values are a TypeError naming the field', () => {
    expect(coreLogFilterString(undefined)).toBeUndefined();
    expect(coreLogFilterString({ core: 'INFO' })).toBe(
      'error,temporalio_sdk_core=info,temporalio_client=info,temporalio_common=info,temporal_bun_bridge=info',
    );
    expect(coreLogFilterString({ core: 'DEBUG', other: 'WARN' })).toStartWith('warn,temporalio_sdk_core=debug,');
    expect(coreLogFilterString('temporalio_sdk_core=trace')).toBe('temporalio_sdk_core=trace');
    expect(() => coreLogFilterString({ core: 'LOUD' as 'INFO' })).toThrow(/coreLogFilter.core must be one of/);
    expect(() => coreLogFilterString({ core: 'INFO', other: 'quiet' as 'INFO' })).toThrow(/coreLogFilter.other/);
    expect(() => coreLogFilterString('  ')).toThrow(TypeError);
  });

  test('coreLogFilter strings: every directive must parse (sdk-core would skip a bad one without a word)', () => {
    for (const good of [
      'warn',
      'TRACE',
      'error,temporalio_sdk_core=debug',
      'temporalio_sdk_core',
      'tokio::net=off',
      'h2[conn{peer=1}]=info',
      'warn, temporal_bun_bridge=trace',
    ]) {
      expect(coreLogFilterString(good)).toBe(good);
    }
    for (const bad of ['temporalio_sdk_core=loud', 'warn,,', '=info', 'core:INFO', 'x = info', 'debug;trace']) {
      expect(() => coreLogFilterString(bad)).toThrow(TypeError);
      expect(() => Runtime.install({ coreLogFilter: bad })).toThrow('is not a log directive');
    }
  });
});
