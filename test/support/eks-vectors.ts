/**
 * EKS token vectors shared by the adapter's and the `eks-token` command's tests.
 *
 * Fixed key AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, cluster `my-cluster`,
 * clock 2026-01-02T03:04:05Z. eu-west-1 and us-east-1 (no session token) are the shared
 * reference's (Debian awscli 2.9.19 under faketime); the session-token, cn-north-1 and
 * ExecCredential byte vectors were printed by aws-cli 1.45.11 / botocore 1.43.11 with its clock
 * (`get_current_datetime`) pinned to the same instant.
 */
import { expect } from 'vitest';

export const CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
export const NOW = new Date('2026-01-02T03:04:05Z');
export const SESSION_TOKEN = 'FwoGZXIvYXdzEXAMPLE+session/token==';

/** `aws eks get-token --cluster-name my-cluster --region eu-west-1 --output json`, byte for byte. */
export const CLI_EU_WEST_1 = `{
    "kind": "ExecCredential",
    "apiVersion": "client.authentication.k8s.io/v1beta1",
    "spec": {},
    "status": {
        "expirationTimestamp": "2026-01-02T03:18:05Z",
        "token": "k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lBSU9TRk9ETk43RVhBTVBMRSUyRjIwMjYwMTAyJTJGZXUtd2VzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjAxMDJUMDMwNDA1WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9YjkwNWFkMGZkNjU5MzM5ODdkNjFkZDRiNGI3MWQxMWY0YjI2Nzc4ZDk3ZGQ0NTk5NTI5YzIxODExNGI5ZmZmMg"
    }
}

`;

/** The same for us-east-1 with `KUBERNETES_EXEC_INFO` asking for `client.authentication.k8s.io/v1`. */
export const CLI_US_EAST_1_V1 = `{
    "kind": "ExecCredential",
    "apiVersion": "client.authentication.k8s.io/v1",
    "spec": {},
    "status": {
        "expirationTimestamp": "2026-01-02T03:18:05Z",
        "token": "k8s-aws-v1.aHR0cHM6Ly9zdHMudXMtZWFzdC0xLmFtYXpvbmF3cy5jb20vP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUmWC1BbXotQWxnb3JpdGhtPUFXUzQtSE1BQy1TSEEyNTYmWC1BbXotQ3JlZGVudGlhbD1BS0lBSU9TRk9ETk43RVhBTVBMRSUyRjIwMjYwMTAyJTJGdXMtZWFzdC0xJTJGc3RzJTJGYXdzNF9yZXF1ZXN0JlgtQW16LURhdGU9MjAyNjAxMDJUMDMwNDA1WiZYLUFtei1FeHBpcmVzPTYwJlgtQW16LVNpZ25lZEhlYWRlcnM9aG9zdCUzQngtazhzLWF3cy1pZCZYLUFtei1TaWduYXR1cmU9YjU2ZDdiMTBjOTJlOTc1MWM3ZGRkMjZmOWI3Yzg5YWM4OTQxNTg0ZjZhY2U4MmNhM2VkY2E3Mzc1NWQ2ODZjZg"
    }
}

`;

export function tokenOf(cliOutput: string): string {
  return (JSON.parse(cliOutput) as { status: { token: string } }).status.token;
}

/** The presigned URL inside a token, checking the prefix and the unpadded base64url alphabet. */
export function decodeToken(token: string): URL {
  expect(token.startsWith('k8s-aws-v1.')).toBe(true);
  const payload = token.slice('k8s-aws-v1.'.length);
  expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
  return new URL(Buffer.from(payload, 'base64url').toString('utf8'));
}
