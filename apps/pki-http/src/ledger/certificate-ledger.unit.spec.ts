import { randomUUID } from 'node:crypto';
import { JsonObject, RecordedEvent } from '@certm3/event-store';
import { CertificateLedger } from './certificate-ledger';

let sequence = 0n;
function recorded(
  type: string,
  data: JsonObject,
  metadata: JsonObject = { schemaVersion: 1 },
): RecordedEvent {
  sequence += 1n;
  return {
    id: randomUUID(),
    type,
    data,
    metadata,
    streamId: 'stream',
    revision: 0n,
    position: { commit: sequence, prepare: 0n },
    recordedAt: new Date(),
  };
}

const caId = randomUUID();
const authority = recorded('CertificateAuthorityCreated', {
  caId,
  name: 'CA',
  subject: { commonName: 'CA' },
  keyAlgorithm: 'ECDSA_P256',
  parentId: null,
  organizationId: null,
  certificatePem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n',
  chainPem: '',
  serialNumber: '01',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2036-01-01T00:00:00.000Z',
  fingerprint: 'x',
  pathLength: null,
  privateKey: { dataKeyId: 'k', ciphertext: 'c' },
});
const issued = (certificateId: string, serialNumber: string, issuer = caId) =>
  recorded('CertificateIssued', {
    certificateId,
    caId: issuer,
    serialNumber,
    notAfter: '2027-01-01T00:00:00.000Z',
  });

describe('the certificate ledger', () => {
  it('follows a certificate through hold, release and revocation, encoding its CRL entry each time', () => {
    const ledger = new CertificateLedger();
    ledger.apply(authority);
    const id = randomUUID();
    expect(ledger.apply(issued(id, '00ab01'))).toMatchObject({ kind: 'issued', caId });
    const listed = ledger.authorities.get(caId)!.listed;
    const record = ledger.authorities.get(caId)!.bySerial.get('ab01')!; // leading zeros are not part of the key
    expect(record.revocation).toEqual({ status: 'good' });
    ledger.apply(
      recorded('CertificateSuspended', {
        certificateId: id,
        suspendedAt: '2026-05-01T00:00:00.000Z',
        invalidityDate: '2026-04-30T00:00:00.000Z',
      }),
    );
    expect(record.revocation).toMatchObject({ status: 'held', reasonCode: 6 });
    expect(listed.has('ab01')).toBe(true);
    const heldVersion = record.version;
    ledger.apply(
      recorded('CertificateHoldReleased', { certificateId: id, releasedAt: '2026-05-02T00:00:00.000Z' }),
    );
    expect(record.revocation).toEqual({ status: 'good' });
    expect(record.crlEntry).toBeUndefined();
    expect(listed.size).toBe(0);
    expect(record.version).toBeGreaterThan(heldVersion);
    ledger.apply(
      recorded(
        'CertificateRevoked',
        {
          certificateId: id,
          reason: 'keyCompromise',
          revokedAt: '2026-05-03T00:00:00.000Z',
        },
        { schemaVersion: 2 },
      ),
    );
    expect(record.revocation).toEqual({
      status: 'revoked',
      revokedAt: new Date('2026-05-03T00:00:00.000Z'),
      reasonCode: 1,
      invalidityDate: undefined,
    });
    expect(record.crlEntry).toBeInstanceOf(Buffer);
  });

  it('dates a version-1 revocation by its occurredAt, and a hold made final by the hold', () => {
    const ledger = new CertificateLedger();
    ledger.apply(authority);
    const [old, held] = [randomUUID(), randomUUID()];
    ledger.apply(issued(old, '01'));
    ledger.apply(issued(held, '02'));
    ledger.apply(
      recorded(
        'CertificateRevoked',
        { certificateId: old, reason: 'superseded' },
        {
          schemaVersion: 1,
          occurredAt: '2026-02-03T04:05:06.000Z',
        },
      ),
    );
    const bySerial = ledger.authorities.get(caId)!.bySerial;
    expect(bySerial.get('01')!.revocation).toMatchObject({
      revokedAt: new Date('2026-02-03T04:05:06.000Z'),
      reasonCode: 4,
    });
    ledger.apply(
      recorded('CertificateSuspended', { certificateId: held, suspendedAt: '2026-03-01T00:00:00.000Z' }),
    );
    ledger.apply(
      recorded(
        'CertificateRevoked',
        {
          certificateId: held,
          reason: 'cessationOfOperation',
          revokedAt: '2026-03-09T00:00:00.000Z',
        },
        { schemaVersion: 2 },
      ),
    );
    expect(bySerial.get('02')!.revocation).toMatchObject({
      status: 'revoked',
      revokedAt: new Date('2026-03-01T00:00:00.000Z'),
      reasonCode: 5,
    });
  });

  it('leaves out certificates no certm3 authority issued, and their revocations', () => {
    const ledger = new CertificateLedger();
    ledger.apply(authority);
    const imported = randomUUID();
    expect(
      ledger.apply(
        recorded('CertificateRegistered', {
          certificateId: imported,
          serialNumber: '05',
          notAfter: '2027-01-01T00:00:00Z',
        }),
      ),
    ).toBeUndefined();
    expect(
      ledger.apply(
        recorded('CertificateRevoked', {
          certificateId: imported,
          reason: 'unspecified',
          revokedAt: '2026-01-01T00:00:00Z',
        }),
      ),
    ).toBeUndefined();
    expect(ledger.apply(issued(randomUUID(), '06', randomUUID()))).toBeUndefined(); // an authority it never saw
    expect(ledger.certificates()).toBe(0);
    expect(ledger.position).toEqual({ commit: sequence, prepare: 0n });
  });

  it('knows an offline authority once its certificate is brought back, and a disabled one still', () => {
    const ledger = new CertificateLedger();
    const offline = randomUUID();
    ledger.apply(
      recorded('CertificateAuthorityPrepared', {
        caId: offline,
        name: 'Offline',
        subject: { commonName: 'Offline' },
        keyAlgorithm: 'RSA_3072',
        organizationId: null,
        csrPem: '',
        publicKeyFingerprint: '',
        privateKey: { dataKeyId: 'k2', ciphertext: 'c2' },
      }),
    );
    expect(ledger.authorities.get(offline)!.authority.certificatePem).toBeNull();
    ledger.apply(
      recorded('CertificateAuthorityActivated', {
        caId: offline,
        certificatePem: 'PEM',
        notAfter: '2030-01-01T00:00:00Z',
      }),
    );
    ledger.apply(recorded('CertificateAuthorityDisabled', { caId: offline }));
    expect(ledger.authorities.get(offline)!.authority).toMatchObject({
      certificatePem: 'PEM',
      disabled: true,
      privateKey: { dataKeyId: 'k2' },
    });
  });
});
