/**
 * The Slack app's signing secret, where the configuration says it is: given as is (locally), or
 * in SSM Parameter Store as a SecureString, read and decrypted once per cold start with
 * Powertools' parameters utility (which caches it).
 */
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SigningSecretSource } from '../../config.ts';

/** What reads an SSM parameter (Powertools' SSMProvider, or one built on another client). */
export interface ParameterReader {
  get(name: string, options: { decrypt: boolean }): Promise<string | undefined>;
}

/**
 * The signing secret of `source`; an SSM parameter that cannot be read, or is empty, fails with
 * the parameter's name and the cause.
 *
 * @example
 * await signingSecretOf({ parameter: '/waypointer/prod/slack-signing-secret' });
 */
export async function signingSecretOf(
  source: SigningSecretSource,
  reader: ParameterReader = new SSMProvider(),
): Promise<string> {
  if ('value' in source) return source.value;
  let value: string | undefined;
  try {
    value = await reader.get(source.parameter, { decrypt: true });
  } catch (error) {
    throw new Error(
      `cannot read the Slack signing secret from SSM parameter ${source.parameter}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (value === undefined || value.trim() === '')
    throw new Error(`SSM parameter ${source.parameter} holds no Slack signing secret`);
  return value;
}
