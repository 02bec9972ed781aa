/** Answers through a Slack `response_url`: a JSON POST, at most five per URL within 30 minutes. */
import { UnavailableError } from '../../domain/errors.ts';

/** Posts messages to a Slack `response_url`. */
export interface SlackResponder {
  /** Posts one message; throws UnavailableError when Slack does not take it. */
  post(responseUrl: string, message: unknown): Promise<void>;
}

/**
 * A responder over `fetch`, with a time limit per post.
 *
 * @example
 * await fetchResponder().post(job.responseUrl, slackOutcome(outcome, info));
 */
export function fetchResponder(timeoutMs = 10_000): SlackResponder {
  return {
    async post(responseUrl, message) {
      let response: Response;
      try {
        response = await fetch(responseUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new UnavailableError(
          `cannot post to Slack's response_url: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
      if (!response.ok) {
        const text = (await response.text().catch(() => '')).slice(0, 200);
        throw new UnavailableError(
          `Slack's response_url answered ${response.status}${text === '' ? '' : `: ${text}`}`,
        );
      }
    },
  };
}
