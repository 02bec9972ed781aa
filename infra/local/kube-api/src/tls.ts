/**
 * TLS for the embedded API server: a throwaway CA and a serving certificate for localhost and
 * 127.0.0.1, made at start-up. kubectl (client-go) sends bearer tokens only over TLS, and
 * client-node refuses plain HTTP unless told to skip verification; with a real CA in the
 * kubeconfig both verify the server as they would an EKS endpoint.
 */
import { generate } from 'selfsigned';

export interface TlsMaterial {
  /** PEM of the CA certificate (the kubeconfig's certificate-authority-data). */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export async function makeTls(now = new Date()): Promise<TlsMaterial> {
  const notAfterDate = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const notBeforeDate = new Date(now.getTime() - 60_000);
  const ca = await generate([{ name: 'commonName', value: 'waypointer-local-ca' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      {
        name: 'keyUsage',
        keyCertSign: true,
        cRLSign: true,
        digitalSignature: true,
        critical: true,
      },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'kube-apiserver' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 2, value: 'kubernetes.default.svc' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { ca: ca.cert, cert: server.cert, key: server.private };
}
