/** The package's version, for `--version` (bundled in, so a compiled CLI knows it too). */
import { SDK_PACKAGE_NAME, SDK_VERSION } from '../common/package-info';

export function packageVersion(): string {
  return `${SDK_PACKAGE_NAME} ${SDK_VERSION}`;
}
