/**
 * Log levels on hot paths: which loggers are known to drop a level (so the worker skips building
 * those records), and that the workflow logger's records below the level are not forwarded.
 */
import { describe, expect, test } from 'bun:test';
import { noopMetricMeter } from '@temporalio/common';
import type { WorkflowInfo } from '@temporalio/workflow';
import {
  ConsoleLogger,
  logLevelEnabled,
  withMetadata,
  type LogLevel,
  type LogMetadata,
  type Logger,
} from '../../src/common/logger';
import { builtInSinks, silencedLoggerSinkCalls } from '../../src/workflow/sinks';
import { RecordingLogger } from '../helpers/recording-logger';

/** A RecordingLogger that, like the console logger, exposes its minimum level. */
class LeveledRecordingLogger extends RecordingLogger {
  constructor(readonly level: LogLevel) {
    super(false);
  }
}

describe('logLevelEnabled', () => {
  test('a logger exposing its level (console logger, withMetadata over it) drops what is below', () => {
    const console = new ConsoleLogger('WARN');
    expect(logLevelEnabled(console, 'DEBUG')).toBe(false);
    expect(logLevelEnabled(console, 'INFO')).toBe(false);
    expect(logLevelEnabled(console, 'WARN')).toBe(true);
    expect(logLevelEnabled(console, 'ERROR')).toBe(true);
    const wrapped = withMetadata(console, { sdkComponent: 'worker' });
    expect(wrapped.level).toBe('WARN');
    expect(logLevelEnabled(wrapped, 'DEBUG')).toBe(false);
    expect(logLevelEnabled(withMetadata(new ConsoleLogger('TRACE'), {}), 'TRACE')).toBe(true);
  });

  test('any other logger is assumed to want every level (its level, if any, is not ours to interpret)', () => {
    expect(logLevelEnabled(new RecordingLogger(false), 'TRACE')).toBe(true);
    const pinoLike = Object.assign(new RecordingLogger(false), { level: 'warn' }); // lower-case: not a LogLevel
    expect(logLevelEnabled(pinoLike, 'DEBUG')).toBe(true);
    const numeric = Object.assign(new RecordingLogger(false), { level: 40 });
    expect(logLevelEnabled(numeric, 'DEBUG')).toBe(true);
  });
});

describe('builtInSinks', () => {
  const info = { workflowId: 'wf', runId: 'run' } as unknown as WorkflowInfo;

  test('records below the logger level are dropped before they are built; the rest are forwarded', () => {
    const logger = new LeveledRecordingLogger('INFO');
    const sink = builtInSinks(logger, noopMetricMeter).__temporal_logger!;
    let attributesRead = 0;
    const attributes = new Proxy({ workflowId: 'wf' } as Record<string, unknown>, {
      ownKeys(target) {
        attributesRead++;
        return Reflect.ownKeys(target);
      },
    });
    sink.debug!.fn(info, 'Workflow started', attributes);
    expect(attributesRead).toBe(0);
    sink.info!.fn(info, 'Workflow said hello', attributes);
    expect(attributesRead).toBe(1);
    expect(logger.records.map(({ level, message, meta }) => ({ level, message, meta }))).toEqual([
      { level: 'INFO', message: 'Workflow said hello', meta: { sdkComponent: 'workflow', workflowId: 'wf' } },
    ]);
  });

  test('with a logger that does not expose a level, every record is forwarded', () => {
    const logger: Logger & { records: Array<{ level: LogLevel; message: string; meta?: LogMetadata }> } =
      new RecordingLogger(false);
    builtInSinks(logger, noopMetricMeter).__temporal_logger!.debug!.fn(info, 'Workflow started', {});
    expect(logger.records.map((record) => record.message)).toEqual(['Workflow started']);
  });
});

describe('silencedLoggerSinkCalls', () => {
  test('names the workflow logger functions below the logger level, and follows a change of level', () => {
    const logger = Object.assign(new RecordingLogger(false), { level: 'WARN' as string });
    const builtIn = builtInSinks(logger, noopMetricMeter);
    const silenced = silencedLoggerSinkCalls({ ...builtIn, mine: {} }, builtIn, logger);
    expect(silenced()).toEqual(['trace', 'debug', 'info']);
    logger.level = 'TRACE';
    expect(silenced()).toEqual([]);
    logger.level = 'ERROR';
    expect(silenced()).toEqual(['trace', 'debug', 'info', 'warn']);
  });

  test('silences nothing when the logger sink is the user’s, or the logger exposes no level it knows', () => {
    const leveled = new LeveledRecordingLogger('ERROR');
    const builtIn = builtInSinks(leveled, noopMetricMeter);
    const replaced = { ...builtIn, __temporal_logger: { debug: { fn: () => undefined } } };
    expect(silencedLoggerSinkCalls(replaced, builtIn, leveled)()).toEqual([]);
    const unleveled = new RecordingLogger(false);
    const own = builtInSinks(unleveled, noopMetricMeter);
    expect(silencedLoggerSinkCalls(own, own, unleveled)()).toEqual([]);
  });
});
