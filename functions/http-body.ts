/** What the HTTP functions (http-api, audit-webhook) share about API Gateway's request bodies. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/**
 * The request body as text: API Gateway base64-encodes bodies it takes for binary, and the
 * functions read every body as UTF-8. An absent body is the empty string.
 */
export function bodyText(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): string {
  if (event.body === undefined) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}
