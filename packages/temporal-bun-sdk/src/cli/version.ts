/** The package's version, for `--version`. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export function packageVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(resolve(import.meta.dir, '../../package.json'), 'utf8')) as { name?: string; version?: string };
    return `${manifest.name ?? 'temporal-bun-sdk'} ${manifest.version ?? 'unknown'}`;
  } catch {
    return 'temporal-bun-sdk (version unknown)';
  }
}
