/** The embedded EventBridge endpoint: what other units may use. */
export { EventsError } from './errors.ts';
export { type EventPattern, matchesPattern, parsePattern } from './pattern.ts';
export { EventsServer, type EventsServerOptions } from './server.ts';
export {
  busName,
  type DeadLetter,
  type EventBridgeEvent,
  type EventRule,
  EventsService,
  type EventsServiceOptions,
  type EventsStats,
  type EventTarget,
  type LoggedEvent,
  MAX_REQUEST_BYTES,
  type Output,
} from './service.ts';
