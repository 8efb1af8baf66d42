/**
 * @smithy/core/event-streams, as the S3 client sees it: the codec and marshallers of AWS event streams (~10 KB),
 * which only event-stream operations use (SelectObjectContent); Herald calls none. S3Client's constructor still
 * resolves a marshaller (`resolveEventStreamSerdeConfig`, given `eventStreamSerdeProvider` by the runtime config),
 * so those two keep their shape and the marshaller refuses to work; HttpProtocol imports the module only to
 * serialize or deserialize an event stream.
 */
import notBundled from './not-bundled.cjs';

function refuse() {
  throw notBundled('@smithy/core/event-streams', 'an S3 operation with an event stream ran, and Herald calls none');
}

export const resolveEventStreamSerdeConfig = (input) =>
  Object.assign(input, { eventStreamMarshaller: input.eventStreamSerdeProvider(input) });

export const eventStreamSerdeProvider = () => ({ serialize: refuse, deserialize: refuse });

export class EventStreamSerde {
  constructor() {
    refuse();
  }
}
