import { BaseLogger, type LogLevel, type LogMetadata } from '../../src/common/logger';

export interface RecordedLog {
  level: LogLevel;
  message: string;
  meta: LogMetadata | undefined;
}

/** A logger that keeps every record; echoes them when TEMPORAL_TEST_LOGS=1, to help debugging. */
export class RecordingLogger extends BaseLogger {
  readonly records: RecordedLog[] = [];
  constructor(private readonly echo: boolean = process.env.TEMPORAL_TEST_LOGS === '1') {
    super();
  }
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.records.push({ level, message, meta });
    if (this.echo) console.log(`[${level}] ${message}`, meta ?? '');
  }
}
