/**
 * SourceMapLookup decodes a map's mappings only as far as lookups reach, and resumes where it
 * stopped: the answers must not depend on the order of the lookups.
 */
import { describe, expect, test } from 'bun:test';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode } from '../../src/workflow/bundler';
import { SourceMapLookup } from '../../src/workflow/source-map';

describe('SourceMapLookup', () => {
  test('decodes relative fields across lines, segments without a source and empty lines', () => {
    // Line 1: col 0 → a.ts 1:1; col 4 → a.ts 1:3 named "n". Line 2: empty. Line 3: col 2 → b.ts 3:1,
    // then col 6 maps to nothing. Fields after the first are relative to the previous segment.
    const map = new SourceMapLookup({
      version: 3,
      sources: ['a.ts', 'b.ts'],
      names: ['n'],
      mappings: 'AAAA,IAAEA;;ECEF,I',
    });
    expect(map.originalPositionFor(3, 3)).toEqual({ source: 'b.ts', line: 3, column: 1 });
    expect(map.originalPositionFor(1, 1)).toEqual({ source: 'a.ts', line: 1, column: 1 });
    expect(map.originalPositionFor(1, 9)).toEqual({ source: 'a.ts', line: 1, column: 3, name: 'n' });
    expect(map.originalPositionFor(2, 1)).toBeUndefined();
    expect(map.originalPositionFor(3, 8)).toBeUndefined();
    expect(map.originalPositionFor(4, 1)).toBeUndefined();
    expect(map.originalPositionFor(0, 1)).toBeUndefined();
  });

  test("a bundle's positions map the same whatever the order of the lookups", async () => {
    const workflowsPath = join(resolve(import.meta.dir, 'fixtures'), 'workflows.ts');
    const bundle = await bundleWorkflowCode({ workflowsPath });
    const lineCount = bundle.code.split('\n').length;
    const lines = Array.from({ length: lineCount }, (_, index) => index + 1);
    const forward = SourceMapLookup.fromJson(bundle.sourceMap)!;
    const backward = SourceMapLookup.fromJson(bundle.sourceMap)!;
    const mapped = lines.map((line) => JSON.stringify(forward.originalPositionFor(line, 5)));
    const mappedBackward = [...lines].reverse().map((line) => JSON.stringify(backward.originalPositionFor(line, 5)));
    expect(mappedBackward.reverse()).toEqual(mapped);
    expect(mapped.filter((position) => position?.includes(workflowsPath)).length).toBeGreaterThan(0);
  });
});
