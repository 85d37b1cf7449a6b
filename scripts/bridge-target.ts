#!/usr/bin/env bun
/** Prints the Rust target the bridge library is built for on this machine (from the platform table). */
import { bridgePlatformFor, describeHost, hostPlatform } from '../packages/temporal-bun-sdk/src/native/platform';

const host = hostPlatform();
const platform = bridgePlatformFor(host);
if (platform === undefined) {
  process.stderr.write(
    `bridge-target: no prebuilt platform for ${describeHost(host)}; build with plain \`cargo build --release\`\n`,
  );
  process.exit(1);
}
console.log(platform.rustTarget);
