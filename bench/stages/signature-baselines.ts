/**
 * Raw signature baselines: node:crypto signing a 32-byte message (a digest's size) over and over on this
 * process's one thread, for a fixed time — what one core gives for the signature an issued certificate
 * costs its authority. ECDSA P-256 and RSA-2048, and RSA-3072, the key of the RSA authority the issuance
 * stage signs under.
 */
import { generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import { round } from '../measure';

const SECONDS_EACH = 2;

function signaturesPerSecond(privateKey: KeyObject) {
  const message = randomBytes(32);
  for (let warmUp = 0; warmUp < 20; warmUp++) sign('sha256', message, privateKey);
  let signatures = 0;
  const started = performance.now();
  const deadline = started + SECONDS_EACH * 1000;
  while (performance.now() < deadline) {
    sign('sha256', message, privateKey);
    signatures++;
  }
  const seconds = (performance.now() - started) / 1000;
  return { signatures, seconds: round(seconds), perSecond: round(signatures / seconds, 0) };
}

export function signatureBaselines() {
  const ecdsa = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsa3072 = generateKeyPairSync('rsa', { modulusLength: 3072 });
  return {
    message: '32 bytes, SHA-256, one thread',
    ecdsaP256: signaturesPerSecond(ecdsa.privateKey),
    rsa2048: signaturesPerSecond(rsa2048.privateKey),
    rsa3072: signaturesPerSecond(rsa3072.privateKey),
  };
}

export type SignatureBaselines = ReturnType<typeof signatureBaselines>;
