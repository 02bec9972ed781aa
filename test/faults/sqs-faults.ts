/**
 * SQS faults on a real SQS client, as AWS SDK middleware: a share of SendMessageBatch and
 * DeleteMessageBatch entries fail (the call answers 200 with them in `Failed`, the others are sent
 * for real), and a share of ReceiveMessage calls fail, some before reaching the queue and some
 * after (the response is lost: the messages stay in flight until their visibility timeout ends).
 * The middleware runs before the SDK's own retries: an injected fault is one the retries gave up on.
 */
import {
  type BatchResultErrorEntry,
  type SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';

/** A pseudo-random number in [0, 1) from a seed (mulberry32), so that a run can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type Entry = { readonly Id?: string | undefined };
type Output = { Failed?: BatchResultErrorEntry[]; Successful?: unknown[] };

function serverError(operation: string): SQSServiceException {
  return new SQSServiceException({
    name: 'InternalError',
    $fault: 'server',
    $metadata: { httpStatusCode: 500 },
    message: `injected fault: ${operation} failed`,
  });
}

/** The faults one run injects into the SQS clients it is attached to. */
export class SqsFaults {
  /** Share of entries, and of receive calls, that fail (0 turns faults off). */
  rate = 0;
  /** What was injected, by kind. */
  readonly injected = { sendEntries: 0, deleteEntries: 0, receives: 0, lostReceives: 0 };
  readonly #random: () => number;

  constructor(random: () => number) {
    this.#random = random;
  }

  /** Adds the middleware to a client. */
  attach(client: SQSClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = context.commandName ?? '';
        if (this.rate <= 0) return next(args);
        if (operation === 'SendMessageBatchCommand' || operation === 'DeleteMessageBatchCommand') {
          return this.#partially(operation, args, next);
        }
        if (operation === 'ReceiveMessageCommand' && this.#random() < this.rate) {
          return this.#failReceive(args, next);
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectSqsFaults' },
    );
  }

  /** Fails a receive: before it reaches the queue, or after (its messages stay in flight). */
  async #failReceive<A, R>(args: A, next: (args: A) => Promise<R>): Promise<never> {
    if (this.#random() < 0.5) {
      this.injected.receives += 1;
    } else {
      await next(args);
      this.injected.lostReceives += 1;
    }
    throw serverError('ReceiveMessage');
  }

  /** Fails a random share of a batch's entries; sends the rest. */
  async #partially<A extends { input: object }, R extends { output: object }>(
    operation: string,
    args: A,
    next: (args: A) => Promise<R>,
  ): Promise<R> {
    const input = args.input as { Entries?: Entry[] };
    const entries = input.Entries ?? [];
    const failing = entries.filter(() => this.#random() < this.rate);
    if (failing.length === 0) return next(args);
    if (operation === 'SendMessageBatchCommand') this.injected.sendEntries += failing.length;
    else this.injected.deleteEntries += failing.length;
    const failed: BatchResultErrorEntry[] = failing.map((e) => ({
      Id: e.Id,
      SenderFault: false,
      Code: 'InternalError',
      Message: 'injected fault: the entry was not processed',
    }));
    const kept = entries.filter((e) => !failing.includes(e));
    if (kept.length === 0) {
      return {
        output: { $metadata: { httpStatusCode: 200 }, Successful: [], Failed: failed },
      } as R;
    }
    const result = await next({ ...args, input: { ...input, Entries: kept } });
    const output = result.output as Output;
    return { ...result, output: { ...output, Failed: [...(output.Failed ?? []), ...failed] } };
  }
}
