/**
 * Protobuf int64s and timestamps as JavaScript numbers, without `Long` arithmetic.
 *
 * `@temporalio/common`'s `tsToMs` computes `seconds * 1000 + nanos / 1e6` with `Long#mul` and
 * `Long#add` (long.js runs those through WebAssembly), and `Number(long)` goes through a decimal
 * string. Every activation and activity task converts several timestamps, so on the worker's hot
 * paths these take a measurable share of its CPU. The results here are the same numbers for every
 * time a `Date` can hold (|seconds| < 8.64e12).
 */
import type Long from 'long';

type Int64 = number | Long | null | undefined;

/** A protobuf `Timestamp` or `Duration`, as protobufjs decodes it. */
export interface ProtoTimestamp {
  seconds?: Int64;
  nanos?: number | null;
}

/** A protobuf int64 (a `Long`, or a number when small) as a number; 0 when absent. */
export function int64ToNumber(value: Int64): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/** Milliseconds of a timestamp or duration; throws when it is absent (as `@temporalio/common`'s). */
export function tsToMs(ts: ProtoTimestamp | null | undefined): number {
  if (ts === undefined || ts === null) throw new Error(`Expected timestamp, got ${ts}`);
  return int64ToNumber(ts.seconds) * 1000 + Math.floor((ts.nanos || 0) / 1_000_000);
}

/** {@link tsToMs}, or undefined when absent. */
export function optionalTsToMs(ts: ProtoTimestamp | null | undefined): number | undefined {
  return ts === undefined || ts === null ? undefined : tsToMs(ts);
}

/** {@link tsToMs}; an absent value is a `TypeError` naming the field. */
export function requiredTsToMs(ts: ProtoTimestamp | null | undefined, fieldName: string): number {
  if (ts === undefined || ts === null) throw new TypeError(`Expected ${fieldName} to be a timestamp, got ${ts}`);
  return tsToMs(ts);
}

export function tsToDate(ts: ProtoTimestamp | null | undefined): Date {
  return new Date(tsToMs(ts));
}

export function optionalTsToDate(ts: ProtoTimestamp | null | undefined): Date | undefined {
  return ts === undefined || ts === null ? undefined : new Date(tsToMs(ts));
}
