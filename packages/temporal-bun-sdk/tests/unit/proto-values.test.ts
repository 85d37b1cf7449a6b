/** The Long-free timestamp conversions give what `@temporalio/common`'s give. */
import { describe, expect, test } from 'bun:test';
import * as common from '@temporalio/common/lib/time';
import Long from 'long';
import {
  int64ToNumber,
  optionalTsToDate,
  optionalTsToMs,
  requiredTsToMs,
  tsToDate,
  tsToMs,
} from '../../src/common/proto-values';

const seconds = [0, 1, -1, 59, 1_700_000_000, -62_135_596_800, 253_402_300_799, 8_639_999_999_999];
const nanos = [0, 1, 999_999, 1_000_000, 123_456_789, 999_999_999, -1, -500_000_000];

describe('proto-values', () => {
  test('tsToMs equals @temporalio/common for the signed Long seconds protobufjs decodes, and any nanos', () => {
    for (const s of seconds) {
      for (const n of nanos) {
        const ts = { seconds: Long.fromNumber(s), nanos: n };
        expect(tsToMs(ts)).toBe(common.tsToMs(ts));
      }
    }
    // Where @temporalio/common wraps around (no seconds, negative nanos: it adds them to an
    // unsigned zero), this gives the duration.
    expect(tsToMs({ nanos: -500_000_000 })).toBe(-500);
    expect(tsToMs({ seconds: Long.fromNumber(5) })).toBe(5000);
    expect(tsToMs({ nanos: 7_000_000 })).toBe(7);
  });

  test('seconds decoded as a plain number (small values, or objects built by hand) work too', () => {
    expect(tsToMs({ seconds: 1_700_000_000, nanos: 250_000_000 })).toBe(1_700_000_000_250);
    expect(int64ToNumber(42)).toBe(42);
    expect(int64ToNumber(Long.fromString('9007199254740991'))).toBe(Number.MAX_SAFE_INTEGER);
    expect(int64ToNumber(null)).toBe(0);
  });

  test('absent timestamps: undefined, or the same errors as @temporalio/common', () => {
    expect(optionalTsToMs(undefined)).toBeUndefined();
    expect(optionalTsToMs(null)).toBeUndefined();
    expect(optionalTsToDate(null)).toBeUndefined();
    expect(() => tsToMs(undefined)).toThrow('Expected timestamp, got undefined');
    expect(() => requiredTsToMs(null, 'workflowTaskTimeout')).toThrow(
      new TypeError('Expected workflowTaskTimeout to be a timestamp, got null'),
    );
    const ts = { seconds: Long.fromNumber(1_700_000_000), nanos: 5_000_000 };
    expect(tsToDate(ts).getTime()).toBe(common.tsToDate(ts).getTime());
    expect(requiredTsToMs(ts, 'x')).toBe(1_700_000_000_005);
  });
});
