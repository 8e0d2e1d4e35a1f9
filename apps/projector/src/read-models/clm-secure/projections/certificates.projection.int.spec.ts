import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmSecureModel } from '../clm-secure.model';
import { distinguishedNameText } from './certificates.projection';
import {
  at,
  intermediateActivated,
  intermediatePrepared,
  LEAF,
  LEAF_NAMES,
  leafIssued,
  NOT_YET_VALID,
  OFFLINE_INTERMEDIATE,
  registered,
  ROOT,
  rootCreated,
  spkiFingerprint,
  stamp,
} from './spec-events.fixture';

describe('clm_secure certificates projection', () => {
  const admin = randomUUID();
  const owner = randomUUID();
  const spec = projectionSpec(clmSecureModel, { metadata: at(admin, '03:00:00') });
  const [rootId, intermediateId, issuedId, importedId, laterId] = Array.from({ length: 5 }, () =>
    randomUUID(),
  );
  const ids = {
    certificateId: issuedId,
    requestId: randomUUID(),
    caId: rootId,
    userId: owner,
    policyId: randomUUID(),
  };
  const organizationId = randomUUID();

  it('lists an issued certificate with its issuer, owner, policy, organization and key, active', () =>
    spec
      .given(rootCreated(rootId, randomUUID()), leafIssued(ids, { organizationId, privateKey: null }))
      .then({
        certificates: [
          { id: rootId },
          {
            id: issuedId,
            certificate_id: issuedId,
            common_name: 'www.example.com',
            serial_number: LEAF.serialNumber.toLowerCase(),
            issuer: 'CN=certm3 Spec Root,O=Spec,C=DE',
            issuer_id: rootId,
            subject: 'CN=www.example.com,O=Spec',
            subject_alternative_names: LEAF_NAMES,
            not_before: '2026-11-01T00:00:00+00:00',
            not_after: '2027-11-01T00:00:00+00:00',
            status: 'active',
            owner_user_id: owner,
            policy_id: ids.policyId,
            workflow_id: null,
            organization_id: organizationId,
            certificate_pem: LEAF.pem,
            fingerprint_sha256: LEAF.fingerprint,
            public_key_fingerprint: spkiFingerprint(LEAF),
            key_algorithm: 'RSA',
            key_size: 2048,
            is_ca: false,
            imported: false,
            key_source: 'csr',
            created_at: stamp('03:00:00'),
            updated_at: stamp('03:00:00'),
            deleted_at: null,
          },
        ],
      }));

  it('reads what a schema-1 registration left out from its PEM, and marks it imported, without a key', () =>
    spec.given(registered(importedId, owner)).then({
      certificates: [
        {
          id: importedId,
          common_name: 'www.example.com',
          serial_number: LEAF.serialNumber.toLowerCase(),
          // RegisterCertificate's own spelling of the DNs, as its event has them.
          issuer: LEAF.facts.issuer,
          issuer_id: null,
          subject: LEAF.facts.subject,
          subject_alternative_names: LEAF_NAMES,
          status: 'active',
          owner_user_id: owner,
          policy_id: null,
          fingerprint_sha256: LEAF.fingerprint,
          public_key_fingerprint: spkiFingerprint(LEAF),
          key_algorithm: 'RSA',
          key_size: 2048,
          is_ca: false,
          imported: true,
          key_source: null,
        },
      ],
    }));

  it('takes the description a schema-2 registration carries, as it is', () =>
    spec
      .given({
        ...registered(importedId, owner),
        data: {
          ...registered(importedId, owner).data,
          commonName: null,
          subjectAlternativeNames: [],
          keyAlgorithm: 'other',
          keySize: null,
          isCa: true,
          publicKeyFingerprint: 'ab'.repeat(32),
        },
      })
      .then({
        certificates: [
          {
            id: importedId,
            common_name: null,
            subject_alternative_names: [],
            key_algorithm: 'other',
            key_size: null,
            is_ca: true,
            public_key_fingerprint: 'ab'.repeat(32),
          },
        ],
      }));

  it('is pending when the certificate is not valid yet at the time of its event', () =>
    spec.given(registered(laterId, owner, NOT_YET_VALID)).then({
      certificates: [
        {
          id: laterId,
          status: 'pending',
          serial_number: '01',
          not_before: '2030-01-01T00:00:00+00:00',
          key_algorithm: 'ECDSA',
          key_size: 256,
          subject_alternative_names: [],
        },
      ],
    }));

  it("lists a root authority's own certificate, signed with its own key", () =>
    spec.given(rootCreated(rootId, randomUUID())).then({
      certificates: [
        {
          id: rootId,
          certificate_id: rootId,
          common_name: 'certm3 Spec Root',
          serial_number: ROOT.serialNumber.toLowerCase(),
          issuer: 'CN=certm3 Spec Root,O=Spec,C=DE',
          issuer_id: rootId,
          subject: 'CN=certm3 Spec Root,O=Spec,C=DE',
          status: 'active',
          owner_user_id: null,
          certificate_pem: ROOT.pem,
          fingerprint_sha256: ROOT.fingerprint,
          public_key_fingerprint: spkiFingerprint(ROOT),
          key_algorithm: 'ECDSA',
          key_size: 256,
          is_ca: true,
          imported: false,
          key_source: 'server',
        },
      ],
    }));

  it('holds an offline-signed authority pending from its preparation until activation brings the certificate', async () => {
    const prepared = intermediatePrepared(intermediateId, randomUUID(), organizationId);
    await spec.given(prepared).then({
      certificates: [
        {
          id: intermediateId,
          common_name: 'Spec Offline Intermediate',
          subject: 'CN=Spec Offline Intermediate,O=Spec,C=DE',
          serial_number: null,
          issuer: null,
          issuer_id: null,
          not_before: null,
          not_after: null,
          status: 'pending',
          organization_id: organizationId,
          certificate_pem: null,
          public_key_fingerprint: spkiFingerprint(OFFLINE_INTERMEDIATE),
          key_algorithm: 'ECDSA',
          key_size: 384,
          is_ca: true,
          key_source: 'server',
        },
      ],
    });
    await spec
      .given(prepared, { ...intermediateActivated(intermediateId), metadata: at(admin, '04:00:00') })
      .then({
        certificates: [
          {
            id: intermediateId,
            serial_number: OFFLINE_INTERMEDIATE.serialNumber.toLowerCase(),
            issuer: 'CN=Offline Root,O=Offline,C=DE',
            issuer_id: null,
            subject: 'CN=Spec Offline Intermediate,O=Spec,C=DE',
            not_before: '2026-06-01T00:00:00+00:00',
            not_after: '2031-06-01T00:00:00+00:00',
            status: 'active',
            certificate_pem: OFFLINE_INTERMEDIATE.pem,
            fingerprint_sha256: OFFLINE_INTERMEDIATE.fingerprint,
            public_key_fingerprint: spkiFingerprint(OFFLINE_INTERMEDIATE),
            created_at: stamp('03:00:00'),
            updated_at: stamp('04:00:00'),
          },
        ],
      });
  });

  /** An event of the current schema about `certificateId`, at `time` on the spec day. */
  const lifecycle = (type: string, certificateId: string, data: object, time: string) => ({
    type,
    data: { certificateId, ...data },
    metadata: { ...at(admin, time), schemaVersion: 2 },
  });
  const instant = (time: string) => `2026-11-29T${time}.000Z`;
  const suspended = (certificateId: string, time: string) =>
    lifecycle('CertificateSuspended', certificateId, { suspendedAt: instant(time) }, time);
  const released = (certificateId: string, time: string) =>
    lifecycle('CertificateHoldReleased', certificateId, { releasedAt: instant(time) }, time);
  const expiring = (certificateId: string, time: string) =>
    lifecycle(
      'CertificateExpiring',
      certificateId,
      { notAfter: LEAF.notAfter, thresholdDays: 30, markedAt: instant(time) },
      time,
    );
  const none = { revoked_at: null, revocation_reason: null };

  it('revokes and expires issued and imported certificates alike, a schema-1 revocation dated by its event', () =>
    spec
      .given(
        rootCreated(rootId, randomUUID()),
        leafIssued(ids),
        registered(importedId, owner),
        {
          type: 'CertificateRevoked',
          data: { certificateId: issuedId, reason: 'keyCompromise' },
          metadata: at(admin, '05:00:00'),
        },
        {
          type: 'CertificateExpired',
          data: { certificateId: importedId, notAfter: LEAF.notAfter },
          metadata: at(admin, '06:00:00'),
        },
      )
      .then({
        certificates: [
          { id: rootId, status: 'active', ...none },
          {
            id: issuedId,
            status: 'revoked',
            revoked_at: stamp('05:00:00'),
            revocation_reason: 'keyCompromise',
            updated_at: stamp('05:00:00'),
          },
          { id: importedId, status: 'expired', ...none, updated_at: stamp('06:00:00') },
        ],
      }));

  it('revokes with the revocation’s own time (schema 2)', () =>
    spec
      .given(
        registered(importedId, owner),
        lifecycle(
          'CertificateRevoked',
          importedId,
          { reason: 'cessationOfOperation', revokedAt: '2026-11-29T04:59:59.000Z' },
          '05:00:00',
        ),
      )
      .then({
        certificates: [
          {
            id: importedId,
            status: 'revoked',
            revoked_at: stamp('04:59:59'),
            revocation_reason: 'cessationOfOperation',
            updated_at: stamp('05:00:00'),
          },
        ],
      }));

  it('suspends a certificate on hold, and a release makes it active again, no revocation in force', async () => {
    await spec.given(registered(importedId, owner), suspended(importedId, '04:00:00')).then({
      certificates: [
        {
          id: importedId,
          status: 'suspended',
          revoked_at: stamp('04:00:00'),
          revocation_reason: 'certificateHold',
          updated_at: stamp('04:00:00'),
        },
      ],
    });
    await spec
      .given(
        registered(importedId, owner),
        suspended(importedId, '04:00:00'),
        released(importedId, '05:00:00'),
      )
      .then({
        certificates: [{ id: importedId, status: 'active', ...none, updated_at: stamp('05:00:00') }],
      });
  });

  it('marks a certificate expiring, and a hold released goes back to expiring', () =>
    spec
      .given(
        registered(importedId, owner),
        registered(laterId, owner, NOT_YET_VALID),
        expiring(importedId, '04:00:00'),
        suspended(importedId, '05:00:00'),
        released(importedId, '06:00:00'),
        // Not valid yet: a release gives it back its pending.
        suspended(laterId, '05:00:00'),
        released(laterId, '06:00:00'),
      )
      .then({
        certificates: [
          {
            id: importedId,
            status: 'expiring',
            marked_expiring_at: stamp('04:00:00'),
            ...none,
            updated_at: stamp('06:00:00'),
          },
          { id: laterId, status: 'pending', marked_expiring_at: null, ...none },
        ],
      }));

  it('expires a certificate on hold, which ends the hold', () =>
    spec
      .given(
        registered(importedId, owner),
        suspended(importedId, '04:00:00'),
        lifecycle(
          'CertificateExpired',
          importedId,
          { notAfter: LEAF.notAfter, expiredAt: instant('05:00:00') },
          '05:00:00',
        ),
      )
      .then({ certificates: [{ id: importedId, status: 'expired', ...none }] }));

  it('links a renewal both ways: the successor names what it renews, the predecessor its successor', () => {
    const successorId = randomUUID();
    const successor = leafIssued(
      { ...ids, certificateId: successorId, requestId: randomUUID() },
      { serialNumber: '3e1c02' },
    );
    return spec
      .given(
        rootCreated(rootId, randomUUID()),
        leafIssued(ids),
        { ...successor, data: { ...successor.data, renewalOf: issuedId } },
        lifecycle(
          'CertificateRenewed',
          issuedId,
          { successorId, renewedAt: instant('05:00:00') },
          '05:00:00',
        ),
      )
      .then({
        certificates: [
          { id: rootId, renewal_of: null, successor_id: null, renewed_at: null },
          {
            id: issuedId,
            status: 'active',
            renewal_of: null,
            successor_id: successorId,
            renewed_at: stamp('05:00:00'),
            updated_at: stamp('05:00:00'),
          },
          { id: successorId, status: 'active', renewal_of: issuedId, successor_id: null },
        ],
      });
  });

  it('halts on the release of a certificate that is not on hold', () =>
    spec
      .given(registered(importedId, owner), released(importedId, '05:00:00'))
      .thenFails(`the suspended certificates row id=${importedId}: expected to change 1 row, changed 0`));

  it('halts on an imported certificate whose PEM cannot be read', () =>
    spec
      .given({
        ...registered(importedId, owner),
        data: { ...registered(importedId, owner).data, certificateData: '-----BEGIN CERTIFICATE-----\nMII…' },
      })
      .thenFails(/cannot apply event CertificateRegistered .*the certificate's PEM cannot be read/));

  it('writes RFC 4514 DNs, escaping what the syntax reserves', () => {
    expect(distinguishedNameText({ commonName: 'a, b+c', organization: ' Acme "x"', country: 'DE' })).toBe(
      'CN=a\\, b\\+c,O=\\ Acme \\"x\\",C=DE',
    );
  });
});
