/**
 * The inbound External Storage pass of activity tasks (`visit(task, walkActivityTask, options)`).
 *
 * With `dataConverter.externalStorage`, reference payloads are retrieved by `@temporalio/common`'s
 * runner, loaded on first use (it loads all of `@temporalio/proto`). Without it, nothing can
 * resolve a reference, so the first reference payload fails the task with
 * `ExternalStorageNotConfiguredError`, as in the official worker; that check needs no protobuf.
 */
import { ExternalStorageNotConfiguredError, type LoadedDataConverter, type Payload } from '@temporalio/common';
import {
  METADATA_ENCODING_KEY,
  METADATA_MESSAGE_TYPE_KEY,
  encodingTypes,
} from '@temporalio/common/lib/converter/types';
import type { VisitOptions } from '@temporalio/common/lib/internal-non-workflow/payload-visitor';

/** How a reference payload is marked: a JSON-encoded `temporal.api.sdk.v1.ExternalStorageReference`. */
const REFERENCE_MESSAGE_TYPE = 'temporal.api.sdk.v1.ExternalStorageReference';

const textDecoder = new TextDecoder();

function metadataText(payload: Payload, key: string): string | undefined {
  const raw = payload.metadata?.[key];
  return raw ? textDecoder.decode(raw) : undefined;
}

/** True for a payload that stands for one kept in external storage. */
export function isExternalStorageReference(payload: Payload): boolean {
  return (
    metadataText(payload, METADATA_ENCODING_KEY) === encodingTypes.METADATA_ENCODING_PROTOBUF_JSON &&
    metadataText(payload, METADATA_MESSAGE_TYPE_KEY) === REFERENCE_MESSAGE_TYPE
  );
}

function refuseReferences(payloads: Payload[]): Payload[] {
  if (payloads.some(isExternalStorageReference)) throw new ExternalStorageNotConfiguredError();
  return payloads;
}

const detectReferences: VisitOptions<unknown> = {
  transformPayloads: async (payloads: Payload[]) => refuseReferences(payloads),
  transformPayload: async (payload: Payload) => refuseReferences([payload])[0]!,
  skipSearchAttributes: true,
};

/** Visitor options that resolve (or, without storage, refuse) the reference payloads of an inbound task. */
export function externalStorageInbound(dataConverter: LoadedDataConverter): VisitOptions<unknown> {
  if (dataConverter.externalStorage === undefined) return detectReferences;
  const { extstoreInboundOptions } =
    require('@temporalio/common/lib/internal-non-workflow/external-storage-visitor') as typeof import('@temporalio/common/lib/internal-non-workflow/external-storage-visitor');
  return extstoreInboundOptions(dataConverter.externalStorage) as VisitOptions<unknown>;
}
