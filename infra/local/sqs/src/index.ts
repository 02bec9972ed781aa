/** The embedded SQS endpoint: what other units may use. */
export {
  type Output,
  SqsError,
  SqsServer,
  type SqsServerOptions,
  SqsService,
  type SqsServiceOptions,
} from './server.ts';
