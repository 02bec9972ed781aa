/** The embedded SNS endpoint: what other units may use. */
export { SnsError } from './errors.ts';
export { decodeQuery, encodeResponse, type Input, type Output } from './query.ts';
export { SnsServer, type SnsServerOptions } from './server.ts';
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  type DeliveryFailure,
  messageBytes,
  SnsService,
  type SnsServiceOptions,
  type SqsTarget,
} from './service.ts';
