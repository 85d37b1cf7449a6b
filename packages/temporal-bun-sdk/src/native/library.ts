/**
 * Finding and opening the bridge library (`libtemporal_bun_bridge`), in this order:
 *
 * 1. `$TEMPORAL_BUN_BRIDGE_PATH`, when set (and then nothing else: the user asked for that file);
 * 2. the platform package of the running process (`temporal-bun-sdk-linux-x64-gnu`, …), which the
 *    main package lists in `optionalDependencies` so that the package manager installs the one
 *    that fits. Each platform is a literal `import()` so that `bun build --compile` sees it and
 *    embeds the library (the package's `bun` condition imports it `with { type: 'file' }`), and
 *    `bun build` without `--compile` copies it beside the bundle;
 * 3. this repository's own build (`target/<rust target>/release` or `target/release`), for
 *    development;
 * 4. else a {@link BridgeLibraryError} naming the platform, the package to add and the variable.
 *
 * The library reports its version (`tbs_bridge_version`); one built for another release of this
 * package is refused before any of its other functions is bound.
 */
import { dlopen } from 'bun:ffi';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { SDK_VERSION } from '../common/package-info';
import { requirePlatformLibrary } from './platform-packages';
import {
  BRIDGE_LIBRARY_FILE,
  bridgePlatformFor,
  describeHost,
  hostPlatform,
  targetDirectoryName,
  type BridgePlatform,
  type HostPlatform,
} from './platform';
import { errorMessage } from '../common/error-message';

/** Environment variable naming the bridge library to load, instead of the platform package. */
export const BRIDGE_PATH_ENV = 'TEMPORAL_BUN_BRIDGE_PATH';

/** Where a library was found. */
export type BridgeLibrarySource = 'environment' | 'platform-package' | 'repository-build';

export interface LocatedBridgeLibrary {
  path: string;
  source: BridgeLibrarySource;
}

/**
 * The bridge library cannot be used: not installed for this platform, not found where
 * `$TEMPORAL_BUN_BRIDGE_PATH` points, not loadable, or built for another version of this package.
 * The message says what to install or set.
 */
export class BridgeLibraryError extends Error {
  override readonly name = 'BridgeLibraryError';
}

/**
 * The platform package's library for `platform`, or `undefined` when that package is not
 * installed (the other platforms' never are: their imports fail at run time, inside the `try`).
 */
function platformPackageLibrary(platform: BridgePlatform): string | undefined {
  try {
    // Installed, or embedded by `bun build --compile`, the path is absolute. A worker bundled with
    // `bun build` (no `--compile`) has the library copied beside the bundle, and a path relative
    // to it: the bundle is the program Bun runs (`bun dist/worker.js`).
    const path = requirePlatformLibrary(platform.key);
    return typeof path === 'string' && !isAbsolute(path) ? resolve(dirname(Bun.main), path) : path;
  } catch (error) {
    if (isModuleNotFound(error, platform.packageName)) return undefined;
    throw new BridgeLibraryError(
      `temporal-bun-sdk: the package ${platform.packageName} is installed but could not be loaded: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
}

function isModuleNotFound(error: unknown, packageName: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  // Inside a compiled executable a package that was not embedded fails with "Cannot require module".
  return (
    typeof message === 'string' &&
    message.includes(packageName) &&
    /cannot find|cannot require|not found/i.test(message)
  );
}

/**
 * The repository's own build, searched upwards from this module (so a copy of the package
 * installed into a project inside the repository, like the example's, finds it too).
 */
function repositoryBuild(platform: BridgePlatform | undefined): string | undefined {
  const buildDirectories = [
    ...(platform === undefined ? [] : [join(targetDirectoryName(platform), 'release')]),
    'release',
  ];
  for (let directory = import.meta.dir; ; directory = dirname(directory)) {
    for (const buildDirectory of buildDirectories) {
      const candidate = join(directory, 'target', buildDirectory, BRIDGE_LIBRARY_FILE);
      if (existsSync(candidate)) return candidate;
    }
    if (dirname(directory) === directory) return undefined;
  }
}

/** Finds the library for `host` (default: this process), without opening it. */
export async function locateBridgeLibrary(
  host: HostPlatform = hostPlatform(),
  env: Record<string, string | undefined> = process.env,
): Promise<LocatedBridgeLibrary> {
  return locateBridgeLibrarySync(host, env);
}

/** {@link locateBridgeLibrary}, synchronously (it does no asynchronous work). */
export function locateBridgeLibrarySync(
  host: HostPlatform = hostPlatform(),
  env: Record<string, string | undefined> = process.env,
): LocatedBridgeLibrary {
  const fromEnv = env[BRIDGE_PATH_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    const path = resolve(fromEnv);
    if (!existsSync(path)) {
      throw new BridgeLibraryError(
        `temporal-bun-sdk: ${BRIDGE_PATH_ENV} is set to ${fromEnv}, which does not exist. Point it at a libtemporal_bun_bridge library, or unset it to use the platform package.`,
      );
    }
    return { path, source: 'environment' };
  }
  const platform = bridgePlatformFor(host);
  const fromPackage = platform === undefined ? undefined : platformPackageLibrary(platform);
  if (fromPackage !== undefined) return { path: fromPackage, source: 'platform-package' };
  const fromRepository = repositoryBuild(platform);
  if (fromRepository !== undefined) return { path: fromRepository, source: 'repository-build' };
  const advice =
    platform === undefined
      ? `No prebuilt library exists for this platform: build crates/bridge from the temporal-bun-sdk repository (\`cargo build --release -p temporal-bun-bridge\`)`
      : `Install it with \`bun add ${platform.packageName}@${SDK_VERSION}\` (the package manager skips it when optional dependencies are disabled, or when the lockfile was made on another platform)`;
  throw new BridgeLibraryError(
    `temporal-bun-sdk: no native bridge library for ${describeHost(host)}. ${advice}, ` +
      `or set ${BRIDGE_PATH_ENV} to the path of a libtemporal_bun_bridge library built for version ${SDK_VERSION}.`,
  );
}

/**
 * Reads the library's version without binding anything else, so that a library of another
 * release (whose other functions may differ) is refused with a clear message.
 */
export function readBridgeVersion(path: string): string {
  let probe: ReturnType<typeof openVersionProbe>;
  try {
    probe = openVersionProbe(path);
  } catch (cause) {
    throw new BridgeLibraryError(
      `temporal-bun-sdk: could not load the native bridge library ${path}: ${errorMessage(cause)}. ` +
        `It must be a libtemporal_bun_bridge library for ${describeHost(hostPlatform())}, version ${SDK_VERSION}.`,
      { cause },
    );
  }
  try {
    return String(probe.symbols.tbs_bridge_version());
  } finally {
    probe.close();
  }
}

function openVersionProbe(path: string) {
  return dlopen(path, { tbs_bridge_version: { args: [], returns: 'cstring' } });
}

/** Refuses a library whose version is not this package's. */
export function checkBridgeVersion(library: LocatedBridgeLibrary, libraryVersion: string): void {
  if (libraryVersion === SDK_VERSION) return;
  const fix =
    library.source === 'platform-package'
      ? 'Install the platform package at the same version as temporal-bun-sdk'
      : library.source === 'environment'
        ? `Point ${BRIDGE_PATH_ENV} at a library built for ${SDK_VERSION}`
        : 'Rebuild it (`make build`)';
  throw new BridgeLibraryError(
    `temporal-bun-sdk ${SDK_VERSION} cannot use the native bridge library ${library.path}, which is version ${libraryVersion} ` +
      `(found through ${library.source}). ${fix}.`,
  );
}
