/**
 * Each connection and runtime default has one home, `src/common/defaults.ts`. The bridge keeps
 * no copy of the defaults (it requires the keys) and one bound, the runtime thread limit, which
 * must be the same number.
 */
import { describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { DEFAULT_NAMESPACE, MAX_RUNTIME_THREADS } from '../../src/common/defaults';

const bridgeSource = resolve(import.meta.dir, '../../../../crates/bridge/src');

async function rustSource(file: string): Promise<string> {
  return Bun.file(resolve(bridgeSource, file)).text();
}

describe('defaults', () => {
  test("the bridge's runtime thread limit is MAX_RUNTIME_THREADS", async () => {
    const source = await rustSource('runtime.rs');
    const rust = /pub const MAX_RUNTIME_THREADS: usize = ([\d_]+);/.exec(source)?.[1];
    expect(rust?.replaceAll('_', '')).toBe(String(MAX_RUNTIME_THREADS));
  });

  test('the bridge has no default of its own for the identity, connect timeout or thread count, and no namespace at all', async () => {
    const client = await rustSource('client.rs');
    const runtime = await rustSource('runtime.rs');
    // The keys are required fields, not Options with a fallback.
    expect(client).toMatch(/pub identity: String,/);
    // A connection has no namespace (every RPC names its own); workers and replayers take theirs.
    expect(client).not.toMatch(/pub namespace: String/);
    expect(client).toMatch(/pub connect_timeout_ms: u64,/);
    expect(runtime).toMatch(/pub runtime_threads: usize,/);
    expect(client).not.toContain('DEFAULT_CONNECT_TIMEOUT_MS');
    expect(client).not.toContain('fn default_identity');
    expect(runtime).not.toContain('DEFAULT_RUNTIME_THREADS:');
    expect(client).not.toContain(`"${DEFAULT_NAMESPACE}".to_owned()`);
  });
});
