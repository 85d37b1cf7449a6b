/**
 * The path of the bridge library in the platform package for `key` (a `$bunfs` path inside a
 * compiled executable); throws when that package is not installed.
 */
export declare function requirePlatformLibrary(key: string): string | undefined;

/** The platform keys `requirePlatformLibrary` knows. */
export declare const PLATFORM_LIBRARY_KEYS: readonly string[];
