/**
 * This package's identity, read from its own `package.json` at bundle time (so a compiled
 * single-file worker carries it too): the version the native library must report, and the range
 * of `@temporalio/*` peer packages the sandbox and the activity `Context` are written against.
 */
import manifest from '../../package.json' with { type: 'json' };

export const SDK_PACKAGE_NAME: string = manifest.name;

/** The version of `temporal-bun-sdk`; the bridge library must report exactly this version. */
export const SDK_VERSION: string = manifest.version;

/** The `@temporalio/*` packages that must be the user's own copies, with the versions supported. */
export const PEER_PACKAGE_RANGES: Readonly<Record<string, string>> = manifest.peerDependencies;

/**
 * A `@temporalio/*` package this SDK runs with is outside the supported range. The user's copies
 * are the ones the sandbox and the activity `Context` use, so they must fit.
 */
export class PeerPackageVersionError extends Error {
  override readonly name = 'PeerPackageVersionError';
}

/**
 * Throws {@link PeerPackageVersionError} for the first package of `versions` (name → installed
 * version) outside {@link PEER_PACKAGE_RANGES}. `where` says where that version was found.
 */
export function checkPeerPackageVersions(versions: Readonly<Record<string, string>>, where: string): void {
  for (const [name, version] of Object.entries(versions)) {
    const range = PEER_PACKAGE_RANGES[name];
    if (range === undefined || Bun.semver.satisfies(version, range)) continue;
    throw new PeerPackageVersionError(
      `${SDK_PACKAGE_NAME} ${SDK_VERSION} supports ${name} ${range}, but ${where} has ${version}. ` +
        `Install a supported version (\`bun add ${name}@"${range}"\`), or a ${SDK_PACKAGE_NAME} release made for ${version}.`,
    );
  }
}
