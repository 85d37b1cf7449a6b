/**
 * Histories recorded by the official SDK's worker (@temporalio/worker on Node) replay on
 * temporal-bun-sdk: every history in histories/official against the workflows file workflows.json
 * names for it. (The other direction is official-replay.mjs; both run in `make test`.)
 */
import { describe, expect, test } from 'bun:test';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runReplayHistory } from 'temporal-bun-sdk';
import workflowsFor from './workflows.json' with { type: 'json' };

const root = resolve(import.meta.dir, '..', '..');
const folder = join(import.meta.dir, 'histories', 'official');
const names = readdirSync(folder)
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.replace(/\.json$/, ''))
  .sort();

describe('histories recorded by the official SDK replay on temporal-bun-sdk', () => {
  test('every recorded scenario is there', () => {
    expect(names).toEqual(
      Object.keys(workflowsFor)
        .filter((key) => key !== '//')
        .sort(),
    );
  });

  for (const name of names) {
    test(name, async () => {
      const { workflowsPath, workflowId } = (
        workflowsFor as Record<string, { workflowsPath: string; workflowId: string }>
      )[name]!;
      const history = readFileSync(join(folder, `${name}.json`), 'utf8');
      expect((JSON.parse(history) as { events: unknown[] }).events.length).toBeGreaterThan(10);
      await runReplayHistory({ workflowsPath: join(root, workflowsPath) }, history, workflowId);
    });
  }
});
