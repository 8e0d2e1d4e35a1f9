/**
 * What a relying party does, as the PKI stage needs it: OCSP requests for a certificate of an authority
 * (no nonce, one certificate: what RFC 5019 clients send, and what the responder caches), the status read
 * back out of the answer, and HTTP over one keep-alive agent of 64 sockets, as a busy client would.
 */
import { Agent, request } from 'node:http';
import { certIdHashes, certificateSubject, subjectPublicKeyBits } from '@certm3/pki';
import {
  contextTag,
  nullValue,
  octetString,
  oid,
  readChildrenStrict,
  readStrict,
  sequence,
  unsignedInteger,
} from '../../libs/pki/src/der';

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export function http(
  port: number,
  path: string,
  options: { method?: string; body?: Buffer; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        agent,
        headers: { ...options.headers, ...(options.body ? { 'content-length': options.body.length } : {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** Builds OCSP requests for the certificates of the authority whose certificate (DER) is given. */
export function ocspRequests(authorityDer: Buffer) {
  const { subject, spki } = certificateSubject(authorityDer);
  const { nameHash, keyHash } = certIdHashes({ subject, subjectPublicKey: subjectPublicKeyBits(spki) }).sha1;
  const sha1 = sequence(oid('1.3.14.3.2.26'), nullValue());
  return (serialHex: string, nonce?: Buffer) => {
    const certId = sequence(
      sha1,
      octetString(nameHash),
      octetString(keyHash),
      unsignedInteger(Buffer.from(serialHex, 'hex')),
    );
    const requestList = sequence(sequence(certId));
    const extensions = nonce
      ? [
          contextTag(
            2,
            sequence(sequence(oid('1.3.6.1.5.5.7.48.1.2'), octetString(octetString(nonce)))),
            true,
          ),
        ]
      : [];
    return sequence(sequence(requestList, ...extensions));
  };
}

/** The certificate status of a one-certificate OCSP answer, or its error status. */
export function ocspStatus(answer: Buffer): 'good' | 'revoked' | 'unknown' | `error ${number}` {
  const top = readStrict(answer);
  const [status, bytes] = readChildrenStrict(answer, top);
  if (answer[status.start] !== 0 || !bytes) return `error ${answer[status.start]}`;
  const [responseBytes] = readChildrenStrict(answer, bytes);
  const [, octets] = readChildrenStrict(answer, responseBytes);
  const basic = answer.subarray(octets.start, octets.end);
  const [tbs] = readChildrenStrict(basic, readStrict(basic));
  const fields = readChildrenStrict(basic, tbs);
  const responses = fields[fields[0].tag === 0xa0 ? 3 : 2];
  const [single] = readChildrenStrict(basic, responses);
  const [, certStatus] = readChildrenStrict(basic, single);
  return certStatus.tag === 0x80 ? 'good' : certStatus.tag === 0xa1 ? 'revoked' : 'unknown';
}
