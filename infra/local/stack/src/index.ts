/**
 * The local stack: `waypointer serve`, `cluster` and `invoke`, the local API gateway, the pipeline
 * runner and dynalite. Only the `waypointer` command and the tests load it; nothing that ships to
 * Lambda does.
 */

export { CHATOPS_QUEUE, type LocalChatOps, startChatOps } from './chatops.ts';
export { CLUSTER_HELP, clusterCommand } from './cluster-command.ts';
export { demoCommand } from './demo.ts';
export { BINDINGS_TABLE, type LocalDynamo, startDynamo } from './dynamodb.ts';
export { type HttpHandler, LOCAL_CALLER, lambdaContext, startGateway } from './gateway.ts';
export { INVOKE_HELP, invokeCommand } from './invoke.ts';
export { type LocalPipeline, QUEUES, startPipeline } from './pipeline.ts';
export {
  LOCAL_CLUSTER,
  SERVE_HELP,
  type Served,
  type ServeOptions,
  serve,
  serveCommand,
} from './serve.ts';
