// The platform packages' libraries, one literal `import()` per package so that the bundler sees
// each (and `bun build --compile` embeds the one installed). A plain JavaScript module: the other
// platforms' packages are not installed, and TypeScript would reject their names.
// Keys and package names: platform.ts (a test checks that they agree).

/** @param {string} key @returns {Promise<string | undefined>} */
export async function importPlatformLibrary(key) {
  // The `try` is what lets the bundler (`bun build --compile`) leave an import it cannot resolve
  // (another platform's package) to fail at run time instead of failing the build.
  try {
    switch (key) {
      case 'linux-x64-gnu':
        return (await import('temporal-bun-sdk-linux-x64-gnu')).default;
      case 'linux-arm64-gnu':
        return (await import('temporal-bun-sdk-linux-arm64-gnu')).default;
      case 'linux-x64-musl':
        return (await import('temporal-bun-sdk-linux-x64-musl')).default;
      case 'linux-arm64-musl':
        return (await import('temporal-bun-sdk-linux-arm64-musl')).default;
      case 'darwin-arm64':
        return (await import('temporal-bun-sdk-darwin-arm64')).default;
      case 'darwin-x64':
        return (await import('temporal-bun-sdk-darwin-x64')).default;
      default:
        return undefined;
    }
  } catch (error) {
    // biome-ignore lint/complexity/noUselessCatch: the try/catch is what the bundler looks for (above)
    throw error;
  }
}

/** The keys above, for the test that checks them against platform.ts. */
export const PLATFORM_LIBRARY_KEYS = [
  'linux-x64-gnu',
  'linux-arm64-gnu',
  'linux-x64-musl',
  'linux-arm64-musl',
  'darwin-arm64',
  'darwin-x64',
];
