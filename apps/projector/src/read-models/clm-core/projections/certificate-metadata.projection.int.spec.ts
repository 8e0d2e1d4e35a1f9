import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmCoreModel } from '../clm-core.model';
import { at, certificateFacts, organizationCreated, stamp, usersRegistered } from './spec-events.fixture';

describe('clm_core certificate_metadata projection', () => {
  const admin = randomUUID();
  const owner = randomUUID();
  const spec = projectionSpec(clmCoreModel, { metadata: at(admin, '03:00:00') });
  const [imported, issued, acme] = [randomUUID(), randomUUID(), randomUUID()];
  const given = [
    ...usersRegistered(admin, owner),
    organizationCreated(acme, 'ACME'),
    { type: 'CertificateRegistered', data: { certificateId: imported, userId: owner, ...certificateFacts } },
    {
      type: 'CertificateIssued',
      data: {
        certificateId: issued,
        requestId: randomUUID(),
        userId: owner,
        caId: randomUUID(),
        policyId: randomUUID(),
        organizationId: acme,
        keySource: 'csr',
        privateKey: null,
        ...certificateFacts,
        commonName: 'owner',
        subjectAlternativeNames: [],
        keyAlgorithm: 'ECDSA',
        keySize: 256,
        isCa: false,
        publicKeyFingerprint: 'bb'.repeat(32),
      },
    },
  ];

  it('gives every registered or issued certificate a row, with its owner and organization', () =>
    spec.given(...given).then({
      certificate_metadata: [
        {
          id: imported,
          certificate_id: imported,
          owner_user_id: owner,
          organization_id: null,
          tags: {},
          environment: null,
          application: null,
          notes: null,
          created_at: stamp('03:00:00'),
          created_by: admin,
        },
        { id: issued, certificate_id: issued, owner_user_id: owner, organization_id: acme, tags: {} },
      ],
    }));

  it('replaces tags, environment, application and notes with what was set', () =>
    spec
      .given(...given, {
        type: 'CertificateMetadataSet',
        data: {
          certificateId: issued,
          tags: { team: 'payments', tier: '1' },
          environment: 'production',
          application: 'checkout',
          notes: null,
        },
        metadata: at(owner, '04:00:00'),
      })
      .then({
        certificate_metadata: [
          { id: imported, tags: {} },
          {
            id: issued,
            tags: { team: 'payments', tier: '1' },
            environment: 'production',
            application: 'checkout',
            notes: null,
            updated_at: stamp('04:00:00'),
            updated_by: owner,
          },
        ],
      }));

  it('halts on metadata for a certificate it has never seen', () =>
    spec
      .given({
        type: 'CertificateMetadataSet',
        data: { certificateId: issued, tags: {}, environment: null, application: null, notes: null },
      })
      .thenFails(`certificate_metadata row id=${issued}: expected to change 1 row, changed 0`));
});
