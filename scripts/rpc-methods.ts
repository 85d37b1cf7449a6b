/**
 * Generates crates/bridge/src/rpc_methods.rs, the RPCs `tbs_client_rpc` can call, from the service
 * definitions of `@temporalio/proto` (the package the TypeScript SDK encodes requests with, so the
 * two sides name the same methods). Each method's Rust name is its proto name in snake case, which
 * is how `temporalio-client` names them: a method it lacks fails to compile.
 *
 * `bun scripts/rpc-methods.ts` checks that the committed file is current and exits 1 if not
 * (`make check-ffi`, part of `make test`); `--write` regenerates it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dir, '..');
const outputPath = join(root, 'crates/bridge/src/rpc_methods.rs');
const packageDir = join(root, 'packages/temporal-bun-sdk');

interface ProtoMethod {
  name: string;
  requestType: string;
}

interface ProtoRoot {
  lookupService(name: string): { methods: Record<string, ProtoMethod> };
}

const SERVICES = [
  {
    macro: 'for_each_workflow_service_rpc',
    title: 'WorkflowService',
    proto: 'temporal.api.workflowservice.v1.WorkflowService',
  },
  {
    macro: 'for_each_operator_service_rpc',
    title: 'OperatorService',
    proto: 'temporal.api.operatorservice.v1.OperatorService',
  },
] as const;

/** `GetWorkflowExecutionHistoryReverse` → `get_workflow_execution_history_reverse`. */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

function protoRoot(): { root: ProtoRoot; version: string } {
  const require = createRequire(join(packageDir, 'package.json'));
  const module = require('@temporalio/proto/protos/json-module.js') as ProtoRoot & { default?: ProtoRoot };
  const version = (require('@temporalio/proto/package.json') as { version: string }).version;
  return { root: module.default ?? module, version };
}

export function generate(): string {
  const { root: proto, version } = protoRoot();
  const lines = [
    '//! The RPC methods `tbs_client_rpc` can call, by proto name. Generated file, do not edit: made by',
    `//! \`bun scripts/rpc-methods.ts --write\` from the service definitions of \`@temporalio/proto\` ${version}`,
    '//! (`make check-ffi` fails when it is stale).',
    '',
    'pub use temporalio_common::protos::temporal::api::{',
    '    operatorservice::v1 as operator, workflowservice::v1 as workflow,',
    '};',
  ];
  for (const service of SERVICES) {
    const methods = Object.values(proto.lookupService(service.proto).methods);
    lines.push(
      '',
      `/// Invokes \`$dispatch!\` with \`(ProtoName, rust_method, RequestType)\` for every ${service.title} RPC.`,
      '#[macro_export]',
      `macro_rules! ${service.macro} {`,
      '    ($dispatch:ident) => {',
      '        $dispatch! {',
      ...methods.map((method) => `            (${method.name}, ${snakeCase(method.name)}, ${method.requestType}),`),
      '        }',
      '    };',
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const generated = generate();
  const current = readFileSync(outputPath, 'utf8');
  if (current === generated) {
    console.log(`rpc-methods: ${relative(root, outputPath)} is current`);
    return;
  }
  if (process.argv.includes('--write')) {
    writeFileSync(outputPath, generated);
    console.log(`wrote ${relative(root, outputPath)}`);
    return;
  }
  console.error(
    `rpc-methods: ${relative(root, outputPath)} is stale (it differs from @temporalio/proto's services): run \`bun scripts/rpc-methods.ts --write\``,
  );
  process.exit(1);
}

if (import.meta.main) main();
