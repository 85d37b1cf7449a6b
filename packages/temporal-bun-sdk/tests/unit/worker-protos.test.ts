/**
 * The worker's paths use the protobuf subset of `src/common/worker-protos.json` and never load all
 * of `@temporalio/proto` (about 60 ms and 12 MiB at start-up); the client loads it when it first
 * needs a message outside the subset. The subset's messages are the full package's, byte for byte.
 */
import { describe, expect, test } from 'bun:test';
import { resolve } from 'node:path';
import { fullProtos, protos, workerProtos } from '../../src/common/worker-protos';
import { ExternalStorageNotConfiguredError } from '@temporalio/common';
import Long from 'long';
import { externalStorageInbound, isExternalStorageReference } from '../../src/worker/external-storage';
import { runBunForJson } from '../helpers/json-process';

const packageRoot = resolve(import.meta.dir, '../..');

interface Reflection {
  name: string;
  nestedArray?: Reflection[];
}

/** Runs `script` in a fresh Bun and reports whether it loaded a module whose path contains `fragment`. */
async function loads(script: string, fragment: string): Promise<boolean> {
  return runBunForJson<boolean>(
    [
      '-e',
      `${script}\nconsole.log(JSON.stringify(Object.keys(require.cache).some((k) => k.includes(${JSON.stringify(fragment)}))));`,
    ],
    { cwd: packageRoot },
  );
}

const FULL_PROTOS = '@temporalio/proto/protos/json-module';
const WORKFLOW_LIBRARY_INDEX = '@temporalio/workflow/lib/index.js';
const PROTOBUFJS = '/protobufjs/';
const PAYLOAD_VISITOR = '@temporalio/proto/lib/payload-visitor.generated';
const IMPORT_PACKAGE = "await import('./src/index.ts'); await import('./src/client/index.ts');";

describe('worker protos', () => {
  test('importing the package (worker, client, testing) does not load all of @temporalio/proto; an RPC does', async () => {
    expect(await loads(IMPORT_PACKAGE, FULL_PROTOS)).toBe(false);
    // The check sees a load when there is one.
    expect(await loads("await import('@temporalio/proto');", FULL_PROTOS)).toBe(true);
    expect(await loads("(await import('./src/common/worker-protos.ts')).fullProtos();", FULL_PROTOS)).toBe(true);
  });

  test('importing the package loads no protobufjs: the subset is built on first use', async () => {
    expect(await loads(IMPORT_PACKAGE, PROTOBUFJS)).toBe(false);
    expect(
      await loads("(await import('./src/common/worker-protos.ts')).protos.coresdk.workflow_activation;", PROTOBUFJS),
    ).toBe(true);
  });

  test('importing the package does not load the payload visitor: its generated walkers load on first use', async () => {
    expect(await loads(IMPORT_PACKAGE, PAYLOAD_VISITOR)).toBe(false);
    expect(await loads("(await import('./src/common/payload-visitor.ts')).payloadVisitor();", PAYLOAD_VISITOR)).toBe(
      true,
    );
  });

  test("importing the package does not load @temporalio/workflow's index: the workflow library runs in the sandbox only", async () => {
    expect(await loads(IMPORT_PACKAGE, WORKFLOW_LIBRARY_INDEX)).toBe(false);
    expect(await loads("await import('@temporalio/workflow');", WORKFLOW_LIBRARY_INDEX)).toBe(true);
  });

  test('the subset holds every temporal.api enum and every coresdk message and enum of the full package', () => {
    const full = fullProtos() as unknown as { lookup(path: string): Reflection | null };
    const subset = workerProtos() as unknown as { lookup(path: string): Reflection | null };
    const names = (namespace: Reflection | null, prefix: string): string[] =>
      (namespace?.nestedArray ?? []).flatMap((member) => [
        `${prefix}.${member.name}`,
        ...names(member, `${prefix}.${member.name}`),
      ]);
    const wanted = [
      ...names(full.lookup('temporal.api.enums.v1'), 'temporal.api.enums.v1'),
      ...names(full.lookup('coresdk'), 'coresdk'),
    ];
    expect(wanted.length).toBeGreaterThan(100);
    expect(wanted.filter((name) => subset.lookup(name) === null)).toEqual([]);
  });

  test("the subset's messages encode and decode as @temporalio/proto's", () => {
    const full = fullProtos();
    const activation = {
      runId: 'run',
      timestamp: { seconds: Long.fromNumber(1700000000), nanos: 5 },
      jobs: [
        {
          initializeWorkflow: {
            workflowType: 'order',
            arguments: [{ metadata: { encoding: new Uint8Array([1]) }, data: new Uint8Array([2, 3]) }],
          },
        },
        { resolveActivity: { seq: 1, result: { completed: { result: { data: new Uint8Array([4]) } } } } },
      ],
    };
    const ours = protos.coresdk.workflow_activation.WorkflowActivation.encode(activation).finish();
    const theirs = full.coresdk.workflow_activation.WorkflowActivation.encode(activation).finish();
    expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
    expect(protos.coresdk.workflow_activation.WorkflowActivation.decode(theirs).toJSON()).toEqual(
      full.coresdk.workflow_activation.WorkflowActivation.decode(ours).toJSON(),
    );
    expect(protos.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED).toBe(
      full.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    );
  });
});

describe('external storage references without external storage', () => {
  const encoder = new TextEncoder();
  const reference = {
    metadata: {
      encoding: encoder.encode('json/protobuf'),
      messageType: encoder.encode('temporal.api.sdk.v1.ExternalStorageReference'),
    },
    data: encoder.encode('{}'),
  };
  const plain = { metadata: { encoding: encoder.encode('json/plain') }, data: encoder.encode('1') };

  test('a reference payload is recognised by its encoding and message type', () => {
    expect(isExternalStorageReference(reference)).toBe(true);
    expect(isExternalStorageReference(plain)).toBe(false);
    expect(
      isExternalStorageReference({
        metadata: { encoding: encoder.encode('json/protobuf'), messageType: encoder.encode('x.Y') },
      }),
    ).toBe(false);
  });

  test('is refused with ExternalStorageNotConfiguredError; other payloads pass unchanged', async () => {
    const options = externalStorageInbound({ externalStorage: undefined } as never);
    expect(await options.transformPayloads([plain], undefined)).toEqual([plain]);
    await expect(options.transformPayloads([plain, reference], undefined)).rejects.toBeInstanceOf(
      ExternalStorageNotConfiguredError,
    );
    await expect(options.transformPayload(reference, undefined)).rejects.toBeInstanceOf(
      ExternalStorageNotConfiguredError,
    );
  });
});
