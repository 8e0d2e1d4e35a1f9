import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmCoreModel } from '../clm-core.model';
import { withoutSecrets } from './audit-log.projection';
import { at, stamp } from './spec-events.fixture';

describe('clm_core audit_log projection', () => {
  const admin = randomUUID();
  const ada = randomUUID();
  const spec = projectionSpec(clmCoreModel);
  const commandId = randomUUID();
  const correlationId = randomUUID();
  const metadata = (commandName: string, time: string) => ({
    ...at(admin, time),
    eventId: randomUUID(),
    commandId,
    correlationId,
    causationId: commandId,
    commandName,
    schemaVersion: 1,
  });
  const registeredId = randomUUID();
  const registered = {
    id: registeredId,
    type: 'UserRegistered',
    streamId: `user-${admin}`,
    data: {
      userId: admin,
      username: 'admin',
      email: 'admin@example.com',
      passwordHash: 'scrypt$SECRET',
      registration: 'bootstrap',
    },
    metadata: metadata('BootstrapAdministrator', '03:00:00'),
  };
  const auditRow = {
    id: registeredId,
    event_type: 'UserRegistered',
    user_id: admin,
    action: 'BootstrapAdministrator',
    resource_type: 'user',
    resource_id: admin,
    outcome: 'accepted',
    error_code: null,
    correlation_id: correlationId,
    command_id: commandId,
    causation_id: commandId,
    stream_id: `user-${admin}`,
    stream_revision: 0,
    event_timestamp: stamp('03:00:00'),
    details: { userId: admin, username: 'admin', email: 'admin@example.com', registration: 'bootstrap' },
    created_at: stamp('03:00:00'),
    updated_at: stamp('03:00:00'),
  };

  it('writes one accepted row per domain event, with its actor, command and ids, and no secret', () =>
    spec
      .given(
        {
          type: 'UsernameReserved',
          data: { ownerId: admin, reservedAt: '2026-11-29T03:00:00.000Z' },
          metadata: metadata('BootstrapAdministrator', '03:00:00'),
        },
        {
          type: 'EmailReserved',
          data: { userId: admin, reservedAt: '2026-11-29T03:00:00.000Z' },
          metadata: metadata('BootstrapAdministrator', '03:00:00'),
        },
        registered,
        {
          type: 'CommandSucceeded',
          data: { commandName: 'BootstrapAdministrator', bodyDigest: 'v2:x', reply: { ok: true, data: {} } },
          metadata: metadata('BootstrapAdministrator', '03:00:00'),
        },
      )
      .then({ audit_log: [auditRow], users: [{ id: admin, password_hash: 'scrypt$SECRET' }] }));

  it('names the resource of each kind of event, and leaves the password hash of a change out', () => {
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const [groupId, certificateId, roleId, organizationId] = [
      randomUUID(),
      randomUUID(),
      randomUUID(),
      randomUUID(),
    ];
    return spec
      .given(
        registered,
        {
          id: ids[0],
          type: 'UserPasswordChanged',
          data: { userId: admin, passwordHash: 'scrypt$NEW' },
          metadata: metadata('ChangePassword', '04:00:00'),
        },
        {
          id: ids[1],
          type: 'GroupCreated',
          data: { groupId, name: 'ops', description: null, system: false },
          metadata: metadata('CreateGroup', '04:00:01'),
        },
        {
          id: ids[2],
          type: 'CertificateRevoked',
          data: { certificateId, reason: 'superseded' },
          metadata: metadata('RevokeCertificate', '04:00:02'),
        },
        {
          id: ids[3],
          type: 'RoleCreated',
          data: {
            roleId,
            roleCode: 'AUDITOR',
            name: 'Auditor',
            description: null,
            permissions: { audit: ['read'] },
            system: true,
          },
          metadata: metadata('CreateRole', '04:00:03'),
        },
        {
          id: ids[4],
          type: 'OrganizationCreated',
          data: { organizationId, orgCode: 'ACME', name: 'Acme', description: null },
          metadata: metadata('CreateOrganization', '04:00:04'),
        },
      )
      .then({
        audit_log: [
          { id: registeredId },
          {
            id: ids[0],
            action: 'ChangePassword',
            resource_type: 'user',
            resource_id: admin,
            details: { userId: admin },
          },
          {
            id: ids[1],
            resource_type: 'group',
            resource_id: groupId,
            details: { groupId, name: 'ops', description: null, system: false },
          },
          {
            id: ids[2],
            resource_type: 'certificate',
            resource_id: certificateId,
            event_timestamp: stamp('04:00:02'),
            // Schema 1, as the release before #15 wrote it: the row it wrote then, without the revokedAt the
            // upcast adds (the table is append-only: a rebuild that changed it would be refused).
            details: { certificateId, reason: 'superseded' },
          },
          {
            id: ids[3],
            resource_type: 'role',
            resource_id: roleId,
            details: {
              roleId,
              roleCode: 'AUDITOR',
              name: 'Auditor',
              description: null,
              permissions: { audit: ['read'] },
              system: true,
            },
          },
          { id: ids[4], resource_type: 'organization', resource_id: organizationId },
        ],
      });
  });

  it('writes one refused row per rejected command, with the refusal code and target, never the body digest', () => {
    const [withTarget, without] = [randomUUID(), randomUUID()];
    const error = { code: 'PERMISSION_DENIED', message: 'the actor lacks users:lock', details: [] };
    return spec
      .given(
        {
          id: withTarget,
          type: 'CommandRejected',
          streamId: `command-${commandId}`,
          data: {
            commandName: 'LockUser',
            bodyDigest: '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
            reply: { ok: false, error },
            target: { type: 'user', id: ada },
          },
          metadata: metadata('LockUser', '05:00:00'),
        },
        {
          id: without,
          type: 'CommandRejected',
          data: {
            commandName: 'ChangePassword',
            bodyDigest: 'v2:abc',
            reply: {
              ok: false,
              error: { code: 'FORBIDDEN', message: 'no', details: [{ field: 'password', problem: 'x' }] },
            },
          },
          metadata: metadata('ChangePassword', '05:00:01'),
        },
      )
      .then({
        audit_log: [
          {
            id: withTarget,
            event_type: 'CommandRejected',
            user_id: admin,
            action: 'LockUser',
            resource_type: 'user',
            resource_id: ada,
            outcome: 'refused',
            error_code: 'PERMISSION_DENIED',
            stream_id: `command-${commandId}`,
            event_timestamp: stamp('05:00:00'),
            details: { commandName: 'LockUser', error, target: { type: 'user', id: ada } },
          },
          {
            id: without,
            resource_type: null,
            resource_id: null,
            outcome: 'refused',
            error_code: 'FORBIDDEN',
            details: {
              commandName: 'ChangePassword',
              error: { code: 'FORBIDDEN', message: 'no', details: [{ field: 'password', problem: 'x' }] },
            },
          },
        ],
      });
  });

  it('names the resource of the issuance events, and keeps PEMs, CSRs and sealed keys out', () => {
    const [certificateId, caId, policyId, requestId, keyId, rotationId] = Array.from({ length: 6 }, () =>
      randomUUID(),
    );
    const pem = '-----BEGIN CERTIFICATE-----\nMII…\n-----END CERTIFICATE-----\n';
    const csrPem = '-----BEGIN CERTIFICATE REQUEST-----\nMII…\n-----END CERTIFICATE REQUEST-----\n';
    const privateKey = { dataKeyId: keyId, ciphertext: 'AQsealed==', keyEncryptionKeyId: keyId };
    const events = [
      {
        type: 'CertificateIssued',
        data: {
          certificateId,
          requestId,
          userId: ada,
          certificateData: pem,
          caId,
          policyId,
          organizationId: null,
          keySource: 'server',
          privateKey: { ...privateKey, algorithm: 'ECDSA_P256' },
          serialNumber: '01',
        },
      },
      {
        type: 'CertificateAuthorityPrepared',
        data: { caId, name: 'offline', csrPem, publicKeyFingerprint: 'ab', privateKey },
      },
      {
        type: 'CertificateAuthorityActivated',
        data: { caId, certificatePem: pem, chainPem: pem, serialNumber: '02' },
      },
      {
        type: 'CertificateRequestSubmitted',
        data: { requestId, caId, policyId, keySource: 'csr', csrPem, nested: [{ ciphertext: 'x' }] },
      },
      {
        type: 'PolicyCreated',
        data: {
          policyId,
          policyCode: 'TLS',
          name: 'TLS',
          description: null,
          organizationId: null,
          issuerId: caId,
          policyRules: { max_validity_days: 90 },
        },
      },
      { type: 'EncryptionKeyRetired', data: { keyId, retiredAt: '2026-11-29T05:00:00.000Z' } },
      { type: 'EncryptionKeyRotationCompleted', data: { rotationId, keysRewrapped: 3, completedAt: 'x' } },
      { type: 'PolicyCodeReserved', data: { ownerId: policyId, reservedAt: '2026-11-29T05:00:00.000Z' } },
      { type: 'CertificateFingerprintReserved', data: { ownerId: certificateId, reservedAt: 'x' } },
    ].map((event, index) => ({
      ...event,
      id: randomUUID(),
      metadata: metadata('IssueAll', `05:00:0${index}`),
    }));
    return spec.given({ ...registered, data: { ...registered.data, userId: ada } }, ...events).then({
      audit_log: [
        { id: registeredId },
        {
          id: events[0].id,
          resource_type: 'certificate',
          resource_id: certificateId,
          details: {
            certificateId,
            requestId,
            userId: ada,
            caId,
            policyId,
            organizationId: null,
            keySource: 'server',
            serialNumber: '01',
          },
        },
        {
          id: events[1].id,
          resource_type: 'certificate_authority',
          resource_id: caId,
          details: { caId, name: 'offline', publicKeyFingerprint: 'ab' },
        },
        { id: events[2].id, resource_type: 'certificate_authority', details: { caId, serialNumber: '02' } },
        {
          id: events[3].id,
          resource_type: 'certificate_request',
          resource_id: requestId,
          details: { requestId, caId, policyId, keySource: 'csr', nested: [{}] },
        },
        { id: events[4].id, resource_type: 'policy', resource_id: policyId },
        { id: events[5].id, resource_type: 'encryption_key', resource_id: keyId },
        { id: events[6].id, resource_type: 'key_rotation', resource_id: rotationId },
      ],
    });
  });

  it('drops the catalogue secret fields and secret-looking names at any depth', () => {
    expect(withoutSecrets('UserRegistered', { userId: 'u', passwordHash: 'h' })).toEqual({ userId: 'u' });
    expect(
      withoutSecrets('CommandRejected', {
        bodyDigest: 'd',
        reply: { mfaSecret: 's', token: 't', ok: false },
      }),
    ).toEqual({
      reply: { ok: false },
    });
    expect(withoutSecrets('CertificateRegistered', { certificateId: 'c', certificateData: 'PEM' })).toEqual({
      certificateId: 'c',
    });
  });
});
