/**
 * The completion queue under load: many completions from several runtime threads, each delivered
 * exactly once to the call that issued it, with memory that stays flat.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { NativeRuntime } from '../src/native';

const TOTAL_COMPLETIONS = 100_000;
const IN_FLIGHT = 1_000;
const WARM_UP_COMPLETIONS = 10_000;
const MAX_DELAY_US = 500;
const MAX_RSS_GROWTH_BYTES = 50 * 1024 * 1024;

let runtime: NativeRuntime;

beforeAll(async () => {
  runtime = await NativeRuntime.create();
});

afterAll(() => {
  if (runtime && !runtime.freed) runtime.free();
});

/** 16 bytes unique to `index`: its value twice plus random filler, so a mix-up cannot go unnoticed. */
function payloadFor(index: number): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, index);
  view.setUint32(4, (Math.random() * 2 ** 32) >>> 0);
  view.setUint32(8, index ^ 0x5a5a5a5a);
  view.setUint32(12, (Math.random() * 2 ** 32) >>> 0);
  return bytes;
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.byteLength !== right.byteLength) return false;
  for (let i = 0; i < left.byteLength; i++) if (left[i] !== right[i]) return false;
  return true;
}

/**
 * Issues `count` echoes with at most `IN_FLIGHT` outstanding (one lane per slot, each lane sequential),
 * with random delays so completions come from several runtime threads in a shuffled order.
 */
async function echoMany(count: number): Promise<{ mismatches: number; completed: number }> {
  let next = 0;
  let completed = 0;
  let mismatches = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      const sent = payloadFor(index);
      const received = await runtime.echo(sent, Math.floor(Math.random() * MAX_DELAY_US));
      if (!sameBytes(sent, received)) mismatches++;
      completed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, lane));
  return { mismatches, completed };
}

function rssAfterGc(): number {
  Bun.gc(true);
  return process.memoryUsage().rss;
}

test('100,000 echo completions each resolve with their own bytes, with bounded memory', async () => {
  const warmUp = await echoMany(WARM_UP_COMPLETIONS);
  expect(warmUp).toEqual({ mismatches: 0, completed: WARM_UP_COMPLETIONS });
  const rssBefore = rssAfterGc();

  const started = performance.now();
  const run = await echoMany(TOTAL_COMPLETIONS);
  const elapsedMs = performance.now() - started;
  const rssAfter = rssAfterGc();

  const growthMiB = (rssAfter - rssBefore) / 1024 / 1024;
  console.log(
    `${TOTAL_COMPLETIONS} echoes (${IN_FLIGHT} in flight, delays 0-${MAX_DELAY_US} µs): ` +
      `${elapsedMs.toFixed(0)} ms, ${((elapsedMs * 1000) / TOTAL_COMPLETIONS).toFixed(2)} µs per completion, ` +
      `RSS ${(rssBefore / 1024 / 1024).toFixed(1)} → ${(rssAfter / 1024 / 1024).toFixed(1)} MiB (${growthMiB >= 0 ? '+' : ''}${growthMiB.toFixed(1)} MiB)`,
  );
  expect(run).toEqual({ mismatches: 0, completed: TOTAL_COMPLETIONS });
  expect(runtime.outstandingCalls).toBe(0);
  expect(rssAfter - rssBefore).toBeLessThan(MAX_RSS_GROWTH_BYTES);
}, 180_000);

test('an empty echo completes with empty bytes', async () => {
  const received = await runtime.echo(new Uint8Array(0));
  expect(received.byteLength).toBe(0);
});
