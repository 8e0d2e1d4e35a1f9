import { createHash } from 'node:crypto';
import { IssuerProfile } from './certificate-writer';
import {
  contextTag,
  DerElement,
  DerError,
  enumerated,
  generalizedTime,
  octetString,
  oid,
  readChildrenStrict,
  readStrict,
  sequence,
} from './der';
import { signStructure } from './signing';

/**
 * OCSP (RFC 6960) as a responder needs it, written and read as DER directly: requests parsed strictly
 * (they come off the network; anything malformed is a MalformedOcspRequest, answered malformedRequest),
 * responses written and signed here. Profile: RFC 5019 / 9919 (one certificate per request is what clients
 * send; a few are accepted), nonces (RFC 9654) echoed as sent.
 */

export class MalformedOcspRequest extends Error {}

const ID_PKIX_OCSP_NONCE = oid('1.3.6.1.5.5.7.48.1.2');
const ID_PKIX_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';
/** Requests asking about more certificates than this are refused as malformed (clients send one). */
export const MAX_OCSP_REQUEST_ITEMS = 20;
/** Longer nonces are refused (RFC 9654 lets a responder set a limit; 32 octets is what clients send). */
export const MAX_OCSP_NONCE_BYTES = 128;

/** The hash algorithms a CertID may name, by their DER-encoded OID. */
export const CERT_ID_HASHES = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;
export type CertIdHash = keyof typeof CERT_ID_HASHES;

export interface OcspRequestItem {
  /** The CertID as the client encoded it: a response must carry the same. */
  readonly certId: Buffer;
  /** undefined for a hash algorithm certm3 does not compute CertIDs with. */
  readonly hash: CertIdHash | undefined;
  readonly issuerNameHash: Buffer;
  readonly issuerKeyHash: Buffer;
  /** The serial number as a positive integer's big-endian bytes, no leading zeros; undefined if negative. */
  readonly serialNumber: Buffer | undefined;
}

export interface OcspRequest {
  readonly items: readonly OcspRequestItem[];
  /** The nonce extension, whole (its DER), to echo in the response; undefined when there is none. */
  readonly nonceExtension: Buffer | undefined;
}

const hashByOid = new Map<string, CertIdHash>(
  Object.entries(CERT_ID_HASHES).map(([name, dotted]) => [oid(dotted).toString('hex'), name as CertIdHash]),
);

function expect(element: DerElement, tag: number, what: string): DerElement {
  if (element.tag !== tag) throw new MalformedOcspRequest(`${what}: tag 0x${element.tag.toString(16)}`);
  return element;
}

/** A positive INTEGER's magnitude: its content bytes without the leading sign octet. */
function integerMagnitude(der: Buffer, element: DerElement): Buffer | undefined {
  const content = der.subarray(element.start, element.end);
  if (content.length === 0) throw new MalformedOcspRequest('empty INTEGER');
  if (content[0] & 0x80) return undefined;
  let start = 0;
  while (start < content.length - 1 && content[start] === 0) start += 1;
  return content.subarray(start);
}

function parseCertId(der: Buffer, element: DerElement): OcspRequestItem {
  const fields = readChildrenStrict(der, expect(element, 0x30, 'CertID'));
  if (fields.length !== 4) throw new MalformedOcspRequest('CertID has four fields');
  const algorithm = readChildrenStrict(der, expect(fields[0], 0x30, 'hashAlgorithm'));
  if (algorithm.length < 1 || algorithm.length > 2) throw new MalformedOcspRequest('hashAlgorithm');
  const hash = hashByOid.get(expect(algorithm[0], 0x06, 'hash OID').raw.toString('hex'));
  if (algorithm.length === 2 && algorithm[1].tag !== 0x05) throw new MalformedOcspRequest('hash parameters');
  return {
    certId: Buffer.from(element.raw),
    hash,
    issuerNameHash: Buffer.from(der.subarray(fields[1].start, expect(fields[1], 0x04, 'issuerNameHash').end)),
    issuerKeyHash: Buffer.from(der.subarray(fields[2].start, expect(fields[2], 0x04, 'issuerKeyHash').end)),
    serialNumber: integerMagnitude(der, expect(fields[3], 0x02, 'serialNumber')),
  };
}

/** Parses an OCSPRequest; MalformedOcspRequest for anything RFC 6960 §4.1.1 does not describe. */
export function parseOcspRequest(der: Buffer): OcspRequest {
  try {
    const top = expect(readStrict(der), 0x30, 'OCSPRequest');
    if (top.end !== der.length) throw new MalformedOcspRequest('trailing bytes after the request');
    const [tbsElement, signature, ...extra] = readChildrenStrict(der, top);
    if (!tbsElement || extra.length > 0 || (signature && signature.tag !== 0xa0))
      throw new MalformedOcspRequest('OCSPRequest is tbsRequest and an optional signature');
    const fields = readChildrenStrict(der, expect(tbsElement, 0x30, 'TBSRequest'));
    let index = 0;
    if (fields[index]?.tag === 0xa0) {
      const [version] = readChildrenStrict(der, fields[index]);
      if (!version || version.tag !== 0x02 || version.end - version.start !== 1 || der[version.start] !== 0)
        throw new MalformedOcspRequest('only version 1 requests exist');
      index += 1;
    }
    if (fields[index]?.tag === 0xa1) index += 1; // requestorName: not used
    if (!fields[index]) throw new MalformedOcspRequest('no requestList');
    const requests = readChildrenStrict(der, expect(fields[index], 0x30, 'requestList'));
    index += 1;
    if (requests.length === 0) throw new MalformedOcspRequest('an empty requestList');
    if (requests.length > MAX_OCSP_REQUEST_ITEMS)
      throw new MalformedOcspRequest(`more than ${MAX_OCSP_REQUEST_ITEMS} certificates in one request`);
    const items = requests.map((request) => {
      const [certId, singleExtensions, ...rest] = readChildrenStrict(der, expect(request, 0x30, 'Request'));
      if (!certId || rest.length > 0 || (singleExtensions && singleExtensions.tag !== 0xa0))
        throw new MalformedOcspRequest('Request is a CertID and optional extensions');
      return parseCertId(der, certId);
    });
    let nonceExtension: Buffer | undefined;
    if (fields[index]?.tag === 0xa2) {
      const [extensions, ...more] = readChildrenStrict(der, fields[index]);
      if (!extensions || more.length > 0) throw new MalformedOcspRequest('requestExtensions');
      for (const extension of readChildrenStrict(der, expect(extensions, 0x30, 'Extensions'))) {
        const parts = readChildrenStrict(der, expect(extension, 0x30, 'Extension'));
        if (parts.length < 2 || parts.length > 3) throw new MalformedOcspRequest('Extension');
        if (!expect(parts[0], 0x06, 'extnID').raw.equals(ID_PKIX_OCSP_NONCE)) continue;
        const value = expect(parts[parts.length - 1], 0x04, 'extnValue');
        if (value.end - value.start > MAX_OCSP_NONCE_BYTES + 4)
          throw new MalformedOcspRequest(`a nonce longer than ${MAX_OCSP_NONCE_BYTES} octets`);
        if (nonceExtension) throw new MalformedOcspRequest('two nonces');
        nonceExtension = Buffer.from(extension.raw);
      }
      index += 1;
    }
    if (index !== fields.length) throw new MalformedOcspRequest('unexpected fields in TBSRequest');
    return { items, nonceExtension };
  } catch (error) {
    if (error instanceof DerError) throw new MalformedOcspRequest(error.message);
    throw error;
  }
}

/** The issuer's name and key hashes a CertID names it by, for each hash algorithm. */
export function certIdHashes(
  issuer: Pick<IssuerProfile, 'subject'> & { readonly subjectPublicKey: Buffer },
): Record<CertIdHash, { readonly nameHash: Buffer; readonly keyHash: Buffer }> {
  const digest = (hash: CertIdHash, data: Buffer) => createHash(hash).update(data).digest();
  const entries = (Object.keys(CERT_ID_HASHES) as CertIdHash[]).map((hash) => [
    hash,
    { nameHash: digest(hash, issuer.subject), keyHash: digest(hash, issuer.subjectPublicKey) },
  ]);
  return Object.fromEntries(entries) as Record<CertIdHash, { nameHash: Buffer; keyHash: Buffer }>;
}

export type OcspCertificateStatus =
  | { readonly status: 'good' }
  | { readonly status: 'revoked'; readonly revokedAt: Date; readonly reasonCode?: number }
  | { readonly status: 'unknown' };

export interface OcspSingleResponse {
  readonly certId: Buffer;
  readonly certificateStatus: OcspCertificateStatus;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

export interface OcspResponseSigner extends Pick<IssuerProfile, 'signatureAlgorithm' | 'privateKey'> {
  /** SHA-1 of the signer's subjectPublicKey bits: its ResponderID byKey. */
  readonly keyHash: Buffer;
  /** Certificates a client needs to check the signature (a delegated responder's own); none for the CA. */
  readonly certificates: readonly Buffer[];
}

function certStatus(status: OcspCertificateStatus): Buffer {
  switch (status.status) {
    case 'good':
      return Buffer.from([0x80, 0x00]);
    case 'unknown':
      return Buffer.from([0x82, 0x00]);
    case 'revoked':
      return contextTag(
        1,
        Buffer.concat([
          generalizedTime(status.revokedAt),
          ...(status.reasonCode !== undefined && status.reasonCode !== 0
            ? [contextTag(0, enumerated(status.reasonCode), true)]
            : []),
        ]),
        true,
      );
  }
}

/** A successful OCSPResponse with a signed BasicOCSPResponse (RFC 6960 §4.2.1), ResponderID byKey. */
export async function writeOcspResponse(response: {
  readonly signer: OcspResponseSigner;
  readonly producedAt: Date;
  readonly responses: readonly OcspSingleResponse[];
  readonly nonceExtension?: Buffer;
}): Promise<Buffer> {
  const single = response.responses.map((item) =>
    sequence(
      item.certId,
      certStatus(item.certificateStatus),
      generalizedTime(item.thisUpdate),
      contextTag(0, generalizedTime(item.nextUpdate), true),
    ),
  );
  const tbs = sequence(
    contextTag(2, octetString(response.signer.keyHash), true),
    generalizedTime(response.producedAt),
    sequence(...single),
    ...(response.nonceExtension ? [contextTag(1, sequence(response.nonceExtension), true)] : []),
  );
  const certificates = response.signer.certificates;
  const basic = await signStructure(
    response.signer,
    tbs,
    certificates.length > 0 ? [contextTag(0, sequence(...certificates), true)] : [],
  );
  return sequence(enumerated(0), contextTag(0, sequence(oid(ID_PKIX_OCSP_BASIC), octetString(basic)), true));
}

export const OCSP_ERROR_STATUS = {
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  unauthorized: 6,
} as const;

/** An unsuccessful OCSPResponse: the status alone, unsigned (RFC 6960 §2.3). */
export function ocspErrorResponse(status: keyof typeof OCSP_ERROR_STATUS): Buffer {
  return sequence(enumerated(OCSP_ERROR_STATUS[status]));
}
