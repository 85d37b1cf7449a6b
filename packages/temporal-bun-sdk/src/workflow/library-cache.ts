/**
 * A disk cache of the shared context's library build: the workflow library (`@temporalio/workflow`,
 * the packages it depends on and the sandbox runtime), about 28 ms of `Bun.build` at every start of
 * a worker with `workflowsPath`, the larger part of building. The workflows' own modules are
 * always built afresh; only the library, which changes when packages do, is reused.
 *
 * - **Key**: a SHA-256 of everything the build reads besides files: the library entry (which names
 *   every module the workflows import from the library, as this start resolved them), the ignored
 *   modules, the library's directory, the SDK version and Bun's revision.
 * - **Validation**: an entry lists every file the build read, with its size, inode, mtime and
 *   ctime. Any difference is a miss. The ctime catches what the others may not: npm tarballs give
 *   every file the same mtime, and a new version of a file may have the same size, but writing or
 *   replacing a file always sets its ctime.
 * - **Where**: `node_modules/.cache/temporal-bun-sdk/library` in the `node_modules` holding
 *   `@temporalio/workflow`, or the directory in `TEMPORAL_BUN_WORKFLOW_CACHE`; `off` there
 *   disables the cache. An unwritable directory only means building every time.
 * - **Writes** go through a temporary file and a rename, the meta file last, so a reader sees a
 *   whole entry or none. The meta file holds hashes of the code and the map: the files of two
 *   writers whose inputs differed (a package changing between two starts) do not match it. A
 *   build whose inputs changed after it started, by the clock that stamps files, is not stored.
 *   The oldest entries are removed past {@link MAX_ENTRIES}.
 */
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { errorMessage } from '../common/error-message';
import type { Logger } from '../common/logger';
import { SDK_VERSION } from '../common/package-info';

/** Bumped whenever the entry's layout or the build's configuration changes. */
const CACHE_FORMAT = 2;
const MAX_ENTRIES = 16;
export const WORKFLOW_CACHE_ENV = 'TEMPORAL_BUN_WORKFLOW_CACHE';

/** A library build as the bundler uses it. */
export interface LibraryBuild {
  code: string;
  /** The source map as Bun wrote it, `sources` relative to {@link baseDirectory}. */
  sourceMapBytes: Uint8Array;
  baseDirectory: string;
}

interface EntryMeta {
  format: number;
  /** Hashes of the code and map files, so that an entry made of two writers' files is a miss. */
  codeHash: string;
  mapHash: string;
  baseDirectory: string;
  /** [path, size, ino, mtimeMs, ctimeMs] of every file the build read. */
  inputs: [string, number, number, number, number][];
}

export class LibraryCache {
  readonly #directory: string;
  readonly #key: string;
  readonly #logger: Logger | undefined;

  private constructor(directory: string, key: string, logger: Logger | undefined) {
    this.#directory = directory;
    this.#key = key;
    this.#logger = logger;
  }

  /**
   * The cache for a library build with `keyParts`, beside `libraryDirectory`'s `node_modules`
   * (or where {@link WORKFLOW_CACHE_ENV} says); undefined when disabled or there is no such place.
   */
  static open(keyParts: Record<string, unknown>, libraryDirectory: string, logger?: Logger): LibraryCache | undefined {
    const directory = cacheDirectory(libraryDirectory);
    if (directory === undefined) return undefined;
    const key = new Bun.CryptoHasher('sha256')
      .update(JSON.stringify({ CACHE_FORMAT, SDK_VERSION, bun: Bun.revision, libraryDirectory, ...keyParts }))
      .digest('hex')
      .slice(0, 32);
    return new LibraryCache(directory, key, logger);
  }

  /** The cached build, if there is one and every file it was built from is as it was. */
  read(): LibraryBuild | undefined {
    try {
      return this.#read();
    } catch {
      return undefined; // no entry, or a damaged one (replaced on the next write)
    }
  }

  #read(): LibraryBuild | undefined {
    const meta = JSON.parse(readFileSync(this.#path('json'), 'utf8')) as EntryMeta;
    if (meta.format !== CACHE_FORMAT || !Array.isArray(meta.inputs)) return undefined;
    for (const [path, ...recorded] of meta.inputs) {
      const now = fileStamp(path);
      if (now === undefined || now.some((value, index) => value !== recorded[index])) {
        this.#logger?.debug('Workflow library cache: an input changed, building again', { path });
        return undefined;
      }
    }
    const code = readFileSync(this.#path('js'), 'utf8');
    const sourceMapBytes = new Uint8Array(readFileSync(this.#path('map')));
    if (contentHash(code) !== meta.codeHash || contentHash(sourceMapBytes) !== meta.mapHash) return undefined;
    touch(this.#path('json'));
    return { code, sourceMapBytes, baseDirectory: String(meta.baseDirectory) };
  }

  /**
   * The time a build starts, by the clock that stamps files, for {@link write}. File times come from
   * the kernel's coarse clock, which lags `Date.now()` by up to a tick (a few ms): a file written
   * after `Date.now()` was read can carry an earlier time. So this is the ctime of a marker file
   * written now in the cache's directory (and removed), or a second before `Date.now()` when it
   * cannot be written.
   */
  buildStarted(): number {
    const marker = join(this.#directory, `.build-start.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
    try {
      mkdirSync(this.#directory, { recursive: true });
      writeFileSync(marker, '');
      return statSync(marker).ctimeMs;
    } catch {
      return Date.now() - 1000;
    } finally {
      try {
        unlinkSync(marker);
      } catch {
        // never written
      }
    }
  }

  /**
   * Stores `build`, made from `inputs` (paths as Bun's metafile lists them: relative to the working
   * directory, or namespaced for generated modules, which are skipped) by a build that started at
   * `startedAtMs` ({@link buildStarted}). Never throws: a cache that cannot be written is only slower.
   */
  write(build: LibraryBuild, inputs: readonly string[], startedAtMs: number): void {
    try {
      const stamped: EntryMeta['inputs'] = [];
      for (const input of inputs) {
        if (/^[a-z-]+:/.test(input)) continue;
        const path = isAbsolute(input) ? input : resolve(build.baseDirectory, input);
        const stamp = fileStamp(path);
        // An input that cannot be checked, or that changed since the build started (the build may
        // have read it before or after; the same tick counts as since): never reuse this build.
        if (stamp === undefined || stamp[3] >= startedAtMs) return;
        stamped.push([path, ...stamp]);
      }
      const meta: EntryMeta = {
        format: CACHE_FORMAT,
        codeHash: contentHash(build.code),
        mapHash: contentHash(build.sourceMapBytes),
        baseDirectory: build.baseDirectory,
        inputs: stamped,
      };
      mkdirSync(this.#directory, { recursive: true });
      this.#writeAtomically('js', build.code);
      this.#writeAtomically('map', build.sourceMapBytes);
      this.#writeAtomically('json', JSON.stringify(meta));
      this.#prune();
    } catch (error) {
      this.#logger?.debug('Workflow library cache: not written', {
        directory: this.#directory,
        error: errorMessage(error),
      });
    }
  }

  #path(extension: string): string {
    return join(this.#directory, `${this.#key}.${extension}`);
  }

  #writeAtomically(extension: string, data: string | Uint8Array): void {
    const temporary = `${this.#path(extension)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(temporary, data);
    renameSync(temporary, this.#path(extension));
  }

  /** Keeps the {@link MAX_ENTRIES} most recently used entries. */
  #prune(): void {
    const metas = readdirSync(this.#directory).filter((name) => name.endsWith('.json'));
    if (metas.length <= MAX_ENTRIES) return;
    const byAge = metas
      .map((name) => ({ key: name.slice(0, -'.json'.length), usedAt: statSync(join(this.#directory, name)).mtimeMs }))
      .sort((a, b) => a.usedAt - b.usedAt);
    for (const { key } of byAge.slice(0, byAge.length - MAX_ENTRIES)) {
      for (const extension of ['json', 'js', 'map']) {
        try {
          unlinkSync(join(this.#directory, `${key}.${extension}`));
        } catch {
          // removed by another worker
        }
      }
    }
  }
}

function cacheDirectory(libraryDirectory: string): string | undefined {
  const configured = process.env[WORKFLOW_CACHE_ENV]?.trim();
  if (configured === 'off' || configured === '0') return undefined;
  if (configured) return resolve(configured);
  const index = libraryDirectory.lastIndexOf('/node_modules/');
  if (index < 0) return undefined;
  return join(libraryDirectory.slice(0, index), 'node_modules', '.cache', 'temporal-bun-sdk', 'library');
}

/** [size, inode, mtime, ctime] of a file, or undefined when it cannot be read. */
function fileStamp(path: string): [number, number, number, number] | undefined {
  try {
    const stats = statSync(path);
    return [stats.size, stats.ino, stats.mtimeMs, stats.ctimeMs];
  } catch {
    return undefined;
  }
}

function contentHash(data: string | Uint8Array): string {
  return Bun.hash(data).toString(16);
}

/** Marks an entry as used (its meta file's mtime): pruning keeps the most recently used. */
function touch(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // a read-only cache is still a cache
  }
}
