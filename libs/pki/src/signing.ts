import { sign } from 'node:crypto';
import { IssuerProfile, IssuerSignatureAlgorithm } from './certificate-writer';
import { bitString, nullValue, oid, sequence, tlvOfParts } from './der';

/**
 * Signatures over a to-be-signed structure with an issuer's key, for what certm3 signs besides leaves: CRLs,
 * OCSP responses, OCSP responder certificates. ECDSA comes out of node:crypto DER-encoded as X.509 wants it,
 * RSA as PKCS#1 v1.5; signed on libuv's threads (the callback form), so a CRL of megabytes or an RSA-4096
 * signature does not hold up the event loop that answers OCSP.
 */
export function signatureAlgorithmIdentifier(algorithm: IssuerSignatureAlgorithm): Buffer {
  switch (algorithm) {
    case 'ecdsa-with-SHA256':
      return sequence(oid('1.2.840.10045.4.3.2'));
    case 'ecdsa-with-SHA384':
      return sequence(oid('1.2.840.10045.4.3.3'));
    case 'sha256WithRSAEncryption':
      return sequence(oid('1.2.840.113549.1.1.11'), nullValue());
  }
}

const HASH_OF: Record<IssuerSignatureAlgorithm, string> = {
  'ecdsa-with-SHA256': 'sha256',
  'ecdsa-with-SHA384': 'sha384',
  sha256WithRSAEncryption: 'sha256',
};

export type Signer = Pick<IssuerProfile, 'signatureAlgorithm' | 'privateKey'>;

/** `SEQUENCE { tbs, signatureAlgorithm, BIT STRING signature }`: a certificate, a CRL, a BasicOCSPResponse. */
export async function signStructure(signer: Signer, tbs: Buffer, trailing: Buffer[] = []): Promise<Buffer> {
  const signature = await new Promise<Buffer>((resolve, reject) =>
    sign(HASH_OF[signer.signatureAlgorithm], tbs, signer.privateKey, (error, signed) =>
      error ? reject(error) : resolve(signed),
    ),
  );
  return tlvOfParts(0x30, [
    tbs,
    signatureAlgorithmIdentifier(signer.signatureAlgorithm),
    bitString(signature),
    ...trailing,
  ]);
}
