/**
 * Finding and checking the bridge library (src/native/library.ts): the order of the places it is
 * looked for, the platform table, and the errors a user sees when it is missing, misplaced or of
 * another version. Fake libraries are compiled here with the C compiler.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { spawnSync } from 'bun';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK_VERSION } from '../../src/common/package-info';
import {
  BRIDGE_PATH_ENV,
  BridgeLibraryError,
  checkBridgeVersion,
  locateBridgeLibrary,
  readBridgeVersion,
} from '../../src/native/library';
import {
  BRIDGE_PLATFORMS,
  GLIBC_FLOOR,
  bridgePlatformFor,
  hostPlatform,
  targetDirectoryName,
} from '../../src/native/platform';
import { PLATFORM_LIBRARY_KEYS } from '../../src/native/platform-packages';
import { loadBridgeLibrary } from '../../src/native/symbols';

let folder: string;

/** Compiles `source` into a shared library in the test folder. */
function compileLibrary(name: string, source: string): string {
  const sourcePath = join(folder, `${name}.c`);
  const libraryPath = join(folder, `lib${name}.so`);
  writeFileSync(sourcePath, source);
  const compiled = spawnSync(['cc', '-shared', '-fPIC', '-o', libraryPath, sourcePath]);
  if (compiled.exitCode !== 0) throw new Error(`cc failed: ${compiled.stderr.toString()}`);
  return libraryPath;
}

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'tbs-library-'));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('the platform table', () => {
  test('names one package per supported platform, each with its os, cpu and (Linux) libc', () => {
    expect(BRIDGE_PLATFORMS.map((platform) => platform.packageName)).toEqual([
      'temporal-bun-sdk-linux-x64-gnu',
      'temporal-bun-sdk-linux-arm64-gnu',
      'temporal-bun-sdk-linux-x64-musl',
      'temporal-bun-sdk-linux-arm64-musl',
      'temporal-bun-sdk-darwin-arm64',
      'temporal-bun-sdk-darwin-x64',
    ]);
    for (const platform of BRIDGE_PLATFORMS) {
      expect(platform.libc === undefined).toBe(platform.os === 'darwin');
      // glibc targets are built against the oldest glibc supported (cargo-zigbuild's `-gnu.<version>`).
      expect(platform.rustTarget.endsWith(`-gnu.${GLIBC_FLOOR}`)).toBe(platform.libc === 'glibc');
    }
    expect(targetDirectoryName(BRIDGE_PLATFORMS[0]!)).toBe('x86_64-unknown-linux-gnu');
  });

  test("the loader requires each platform's package by its literal name", () => {
    expect([...PLATFORM_LIBRARY_KEYS]).toEqual(BRIDGE_PLATFORMS.map((platform) => platform.key));
    const source = readFileSync(join(import.meta.dir, '../../src/native/platform-packages.js'), 'utf8');
    for (const platform of BRIDGE_PLATFORMS) {
      expect(source).toContain(`case '${platform.key}':\n        return require('${platform.packageName}').default;`);
    }
  });

  test('detects the C library of this process at run time (Bun reports its glibc)', () => {
    const host = hostPlatform();
    expect(host.os).toBe(process.platform);
    expect(host.cpu).toBe(process.arch);
    const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
    const libc = report.header?.glibcVersionRuntime ? 'glibc' : 'musl';
    expect(host.libc).toBe(process.platform === 'linux' ? libc : undefined);
    expect(bridgePlatformFor({ os: 'linux', cpu: 'x64', libc: 'musl' })?.packageName).toBe(
      'temporal-bun-sdk-linux-x64-musl',
    );
    expect(bridgePlatformFor({ os: 'linux', cpu: 'x64' })).toBeUndefined();
    expect(bridgePlatformFor({ os: 'win32', cpu: 'x64' })).toBeUndefined();
  });
});

describe('where the library is found', () => {
  test(`${BRIDGE_PATH_ENV} wins, and pointing it at nothing is an error naming it`, async () => {
    const fake = compileLibrary('anything', 'int anything(void) { return 1; }\n');
    expect(await locateBridgeLibrary(hostPlatform(), { [BRIDGE_PATH_ENV]: fake })).toEqual({
      path: fake,
      source: 'environment',
    });
    const missing = join(folder, 'missing.so');
    const error = await locateBridgeLibrary(hostPlatform(), { [BRIDGE_PATH_ENV]: missing }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BridgeLibraryError);
    expect((error as Error).message).toContain(`${BRIDGE_PATH_ENV} is set to ${missing}, which does not exist`);
  });

  test("in this repository, without the platform package, it is the repository's own build", async () => {
    const located = await locateBridgeLibrary(hostPlatform(), {});
    expect(located.source).toBe('repository-build');
    expect(located.path).toContain(join('target', targetDirectoryName(bridgePlatformFor(hostPlatform())!), 'release'));
    const loaded = await loadBridgeLibrary();
    expect(loaded.version).toBe(SDK_VERSION);
  });

  test('a platform with neither package nor build gets an error naming the platform, the package and the variable', async () => {
    const error = await locateBridgeLibrary({ os: 'linux', cpu: 'arm64', libc: 'musl' }, {}).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BridgeLibraryError);
    const message = (error as Error).message;
    expect(message).toContain('linux arm64 (musl)');
    expect(message).toContain(`bun add temporal-bun-sdk-linux-arm64-musl@${SDK_VERSION}`);
    expect(message).toContain(BRIDGE_PATH_ENV);
  });

  test('a platform without a prebuilt library is told to build one', async () => {
    const error = await locateBridgeLibrary({ os: 'freebsd', cpu: 'x64' }, {}).catch((caught: unknown) => caught);
    expect((error as Error).message).toContain(
      'no native bridge library for freebsd x64. No prebuilt library exists for this platform',
    );
  });
});

describe("the library's version", () => {
  test('a library of another version is refused, naming both versions and how it was found', () => {
    const other = compileLibrary('other_version', 'const char *tbs_bridge_version(void) { return "0.0.1-other"; }\n');
    expect(readBridgeVersion(other)).toBe('0.0.1-other');
    const check = () => checkBridgeVersion({ path: other, source: 'environment' }, readBridgeVersion(other));
    expect(check).toThrow(BridgeLibraryError);
    expect(check).toThrow(
      `temporal-bun-sdk ${SDK_VERSION} cannot use the native bridge library ${other}, which is version 0.0.1-other`,
    );
    expect(check).toThrow(`Point ${BRIDGE_PATH_ENV} at a library built for ${SDK_VERSION}`);
    expect(() => checkBridgeVersion({ path: other, source: 'platform-package' }, '0.0.1-other')).toThrow(
      'Install the platform package at the same version',
    );
  });

  test('a library that is not a bridge (no version function) is refused with a clear error', () => {
    const foreign = compileLibrary('foreign', 'int something_else(void) { return 2; }\n');
    expect(() => readBridgeVersion(foreign)).toThrow(BridgeLibraryError);
    expect(() => readBridgeVersion(foreign)).toThrow(`could not load the native bridge library ${foreign}`);
  });
});
