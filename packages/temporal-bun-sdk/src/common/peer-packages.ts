/**
 * The versions of the `@temporalio/*` packages the worker side imports, as resolved from here:
 * with them as peer dependencies these are the user's own copies. Imported as JSON, so a compiled
 * single-file worker carries them too.
 */
import activityManifest from '@temporalio/activity/package.json' with { type: 'json' };
import commonManifest from '@temporalio/common/package.json' with { type: 'json' };
import { checkPeerPackageVersions } from './package-info';

/** Throws `PeerPackageVersionError` when `@temporalio/activity` or `@temporalio/common` is outside the supported range. */
export function checkWorkerPeerPackages(): void {
  checkPeerPackageVersions(
    { [activityManifest.name]: activityManifest.version, [commonManifest.name]: commonManifest.version },
    'this project',
  );
}
