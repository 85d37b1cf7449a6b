/**
 * The disk cache of the shared context's library build (src/workflow/library-cache.ts): a bundle
 * whose library inputs did not change reuses the stored build, runs the same, and any change of an
 * input, of the modules the workflows import from the library, or of the cache's files is a miss.
 */
import { afterAll, afterEach, describe, expect, spyOn, test } from 'bun:test';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleSharedContextWorkflowCode } from '../../src/workflow/bundler';
import { LibraryCache, WORKFLOW_CACHE_ENV } from '../../src/workflow/library-cache';

const fixtures = resolve(import.meta.dir, 'fixtures');
const scratch = mkdtempSync(join(tmpdir(), 'tbs-library-cache-test-'));
// Inside a node_modules, like the library it stands for: the cache's default place is found from it.
const libraryDirectory = join(scratch, 'project', 'node_modules', '@temporalio', 'workflow', 'lib');
mkdirSync(libraryDirectory, { recursive: true });
const savedEnv = process.env[WORKFLOW_CACHE_ENV];

afterEach(() => {
  if (savedEnv === undefined) delete process.env[WORKFLOW_CACHE_ENV];
  else process.env[WORKFLOW_CACHE_ENV] = savedEnv;
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function freshCacheDirectory(name: string): string {
  const directory = join(scratch, name);
  process.env[WORKFLOW_CACHE_ENV] = directory;
  return directory;
}

/**
 * A build's start by the cache's clock (`buildStarted`), once that clock has moved past the ctime of
 * every file in `inputs`: the cache stores no build whose inputs changed at or after its start, and
 * file times tick coarsely (a few ms).
 */
function buildStart(cache: LibraryCache, inputs: readonly string[]): number {
  const newest = Math.max(...inputs.map((input) => statSync(input).ctimeMs));
  for (let attempt = 0; ; attempt++) {
    const started = cache.buildStarted();
    if (started > newest || attempt >= 100) return started;
    Bun.sleepSync(1);
  }
}

/** An input file of a made-up build, and the build. */
function madeUpBuild(name: string) {
  const input = join(scratch, `${name}.js`);
  writeFileSync(input, 'module.exports = 1;\n');
  const build = {
    code: `/* library ${name} */ (() => {})();\n`,
    sourceMapBytes: new TextEncoder().encode('{"version":3,"sources":["x.js"],"mappings":""}'),
    baseDirectory: scratch,
  };
  return { input, build };
}

/** A made-up build stored under key `name` in a cache directory of its own: the entry's files. */
function storedEntry(name: string) {
  const directory = freshCacheDirectory(name);
  const { input, build } = madeUpBuild(name);
  const cache = LibraryCache.open({ entryCode: name }, libraryDirectory)!;
  cache.write(build, [input], buildStart(cache, [input]));
  const file = (extension: string) =>
    join(directory, readdirSync(directory).find((entry) => entry.endsWith(`.${extension}`))!);
  return { cache, input, build, file };
}

describe('LibraryCache', () => {
  test('a stored build is read back while its inputs are unchanged; generated modules are not inputs', () => {
    freshCacheDirectory('hit');
    const { input, build } = madeUpBuild('hit');
    const cache = LibraryCache.open({ entryCode: 'hit' }, libraryDirectory)!;
    expect(cache.read()).toBeUndefined();
    cache.write(build, [input, 'temporal-workflow-entry:entry.js'], buildStart(cache, [input]));
    const read = LibraryCache.open({ entryCode: 'hit' }, libraryDirectory)!.read();
    expect(read?.code).toBe(build.code);
    expect(read?.baseDirectory).toBe(scratch);
    expect(new TextDecoder().decode(read?.sourceMapBytes)).toBe(new TextDecoder().decode(build.sourceMapBytes));
    // Another key (another entry, another set of ignored modules) is another entry.
    expect(LibraryCache.open({ entryCode: 'other' }, libraryDirectory)!.read()).toBeUndefined();
  });

  test('an input written again, even with the same size and mtime, or removed, is a miss', () => {
    const { cache, input, build } = storedEntry('changed');
    expect(cache.read()?.code).toBe(build.code);

    // The same bytes count and the mtime set back, as an npm tarball's fixed mtime would leave it:
    // the ctime still moves.
    const stamp = new Date('1985-10-26T08:15:00Z');
    utimesSync(input, stamp, stamp);
    cache.write(build, [input], buildStart(cache, [input]));
    expect(cache.read()?.code).toBe(build.code);
    buildStart(cache, [input]); // the files' clock moves past the stamp
    writeFileSync(input, 'module.exports = 2;\n');
    utimesSync(input, stamp, stamp);
    expect(cache.read()).toBeUndefined();

    cache.write(build, [input], buildStart(cache, [input]));
    expect(cache.read()?.code).toBe(build.code);
    rmSync(input);
    expect(cache.read()).toBeUndefined();
  });

  test('a build whose input changed after the build started is not stored', () => {
    const directory = freshCacheDirectory('raced');
    mkdirSync(directory);
    const { input, build } = madeUpBuild('raced');
    const cache = LibraryCache.open({ entryCode: 'raced' }, libraryDirectory)!;
    const startedAt = buildStart(cache, [input]);
    writeFileSync(input, 'module.exports = 3;\n'); // while the build ran: it may have read either
    // By the clock that stamps files, the write is not before the start (the same tick counts).
    expect(statSync(input).ctimeMs).toBeGreaterThanOrEqual(startedAt);
    cache.write(build, [input], startedAt);
    expect(readdirSync(directory)).toEqual([]);
  });

  test('an entry whose code is not the one its meta file names (two writers) is a miss', () => {
    const { cache, build, file } = storedEntry('mixed');
    expect(cache.read()?.code).toBe(build.code);
    // Another writer's code, of the same length.
    writeFileSync(file('js'), build.code.replace('library', 'LIBRARY'));
    expect(cache.read()).toBeUndefined();
  });

  test('a damaged entry is a miss, and a build with an input that cannot be checked is not stored', () => {
    const { cache, build, file } = storedEntry('damaged');
    expect(cache.read()?.code).toBe(build.code);
    appendFileSync(file('js'), '// cut short or grown');
    expect(cache.read()).toBeUndefined();
    writeFileSync(file('json'), '{"format":');
    expect(cache.read()).toBeUndefined();
    writeFileSync(file('json'), '{"format":1,"inputs":[1,null]}');
    expect(cache.read()).toBeUndefined();

    const elsewhere = freshCacheDirectory('unchecked');
    mkdirSync(elsewhere);
    const unchecked = LibraryCache.open({ entryCode: 'unchecked' }, libraryDirectory)!;
    unchecked.write(build, [join(scratch, 'no-such-input.js')], unchecked.buildStarted());
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  test('off disables it; by default it lives in the node_modules that holds the library', () => {
    process.env[WORKFLOW_CACHE_ENV] = 'off';
    expect(LibraryCache.open({ entryCode: 'x' }, libraryDirectory)).toBeUndefined();
    delete process.env[WORKFLOW_CACHE_ENV];
    const { input, build } = madeUpBuild('default');
    const cache = LibraryCache.open({ entryCode: 'default' }, libraryDirectory)!;
    cache.write(build, [input], buildStart(cache, [input]));
    const defaultDirectory = join(scratch, 'project', 'node_modules', '.cache', 'temporal-bun-sdk', 'library');
    expect(readdirSync(defaultDirectory).filter((name) => name.endsWith('.json'))).toHaveLength(1);
    // A library outside any node_modules has no default place.
    expect(LibraryCache.open({ entryCode: 'x' }, join(scratch, 'loose'))).toBeUndefined();
  });

  test('an unwritable place only means no cache', () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    process.env[WORKFLOW_CACHE_ENV] = join(file, 'below-a-file');
    const { input, build } = madeUpBuild('unwritable');
    const cache = LibraryCache.open({ entryCode: 'unwritable' }, libraryDirectory)!;
    expect(() => cache.write(build, [input], cache.buildStarted())).not.toThrow();
    expect(cache.read()).toBeUndefined();
  });

  test('the least recently used entries go past 16', () => {
    const directory = freshCacheDirectory('pruned');
    const { input, build } = madeUpBuild('pruned');
    for (let index = 0; index < 20; index++) {
      const cache = LibraryCache.open({ entryCode: `entry ${index}` }, libraryDirectory)!;
      cache.write(build, [input], buildStart(cache, [input]));
      Bun.sleepSync(2); // distinct mtimes order the entries
    }
    expect(readdirSync(directory).filter((name) => name.endsWith('.json'))).toHaveLength(16);
    expect(LibraryCache.open({ entryCode: 'entry 0' }, libraryDirectory)!.read()).toBeUndefined();
    expect(LibraryCache.open({ entryCode: 'entry 19' }, libraryDirectory)!.read()?.code).toBe(build.code);
  });
});

describe('bundleSharedContextWorkflowCode with the cache', () => {
  test('a second bundle of the same workflows reuses the library (one Bun.build instead of two) and is the same bundle', async () => {
    const directory = freshCacheDirectory('bundles');
    const workflowsPath = join(fixtures, 'workflows.ts');
    const build = spyOn(Bun, 'build');
    try {
      const first = await bundleSharedContextWorkflowCode({ workflowsPath });
      expect(build).toHaveBeenCalledTimes(2);
      const second = await bundleSharedContextWorkflowCode({ workflowsPath });
      expect(build).toHaveBeenCalledTimes(3);
      expect(second.library.code).toBe(first.library.code);
      expect(second.library.filename).toBe(first.library.filename);
      expect(second.runModules.code).toBe(first.runModules.code);
      // The source map is the one Bun wrote, finished the same way.
      expect(JSON.parse(second.library.sourceMap)).toEqual(JSON.parse(first.library.sourceMap));
      expect(readdirSync(directory).filter((name) => name.endsWith('.json'))).toHaveLength(1);

      // Workflows importing another module of the library need another library: a new entry.
      // (From a scratch folder that sees this package's node_modules.)
      const project = join(scratch, 'other-project');
      mkdirSync(project);
      symlinkSync(resolve(import.meta.dir, '../../node_modules'), join(project, 'node_modules'));
      const otherPath = join(project, 'other-workflows.ts');
      writeFileSync(
        otherPath,
        "import { sleep } from '@temporalio/workflow';\nimport { isCancellation } from '@temporalio/workflow/lib/errors';\n" +
          'export async function other(): Promise<boolean> { await sleep(1); return isCancellation(undefined); }\n',
      );
      const other = await bundleSharedContextWorkflowCode({ workflowsPath: otherPath });
      expect(build).toHaveBeenCalledTimes(5);
      expect(other.library.code).not.toBe(first.library.code);
      expect(readdirSync(directory).filter((name) => name.endsWith('.json'))).toHaveLength(2);
    } finally {
      build.mockRestore();
    }
  });
});
