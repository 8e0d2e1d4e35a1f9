import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from '@certm3/domain';
import { DOCUMENTED_TABLES as CLM_CORE_TABLES } from './clm-core/documented-schema.fixture';
import { DOCUMENTED_TABLES as CLM_SECURE_TABLES } from './clm-secure/documented-schema.fixture';
import { certm3Model, clmCoreModel, clmSecureModel, READ_MODELS } from '.';

// What deployments, dashboards and the docs rely on, for every model; certm3-model.unit.spec.ts has certm3's.
describe('the read models', () => {
  it('are certm3, clm_core and clm_secure, in that order, with their databases and reader roles', () => {
    expect(READ_MODELS).toEqual([certm3Model, clmCoreModel, clmSecureModel]);
    expect(
      READ_MODELS.map(({ name, database, readerRole, liveLayout }) => ({
        name,
        database,
        readerRole,
        liveLayout,
      })),
    ).toEqual([
      {
        name: 'certm3',
        database: { setting: 'CERTM3_DATABASE_URL', defaultUrl: 'postgres://postgres@127.0.0.1:5432/certm3' },
        readerRole: 'certm3_reader',
        liveLayout: { tables: 'public', bookkeeping: 'certm3', live: true },
      },
      {
        name: 'clm_core',
        database: {
          setting: 'CLM_CORE_DATABASE_URL',
          defaultUrl: 'postgres://postgres@127.0.0.1:5432/clm_core_db',
        },
        readerRole: 'clm_core_reader',
        liveLayout: { tables: 'public', bookkeeping: 'clm_core', live: true },
      },
      {
        name: 'clm_secure',
        database: {
          setting: 'CLM_SECURE_DATABASE_URL',
          defaultUrl: 'postgres://postgres@127.0.0.1:5432/clm_secure_db',
        },
        readerRole: 'clm_secure_reader',
        liveLayout: { tables: 'public', bookkeeping: 'clm_secure', live: true },
      },
    ]);
    expect(clmSecureModel.restrictedDatabase).toBe(true);
  });

  it.each(READ_MODELS.map((model) => [model.name, model] as const))(
    '%s handles or ignores every event type of the catalogue (the compiler checks it too)',
    (_, model) => {
      const uncovered = EVENT_TYPES.filter(
        (type) => !model.handlersByType.has(type) && !model.ignored.has(type),
      );
      expect(uncovered).toEqual([]);
    },
  );

  it.each([
    ['clm_core', clmCoreModel, CLM_CORE_TABLES, 'clm-core'],
    ['clm_secure', clmSecureModel, CLM_SECURE_TABLES, 'clm-secure'],
  ] as const)(
    '%s has exactly the documented tables, each written by one projection with a spec beside it',
    (_, model, documented, directory) => {
      expect(model.tables.map((table) => table.name).sort()).toEqual(Object.keys(documented).sort());
      const owners = model.projections.flatMap((projection) => projection.tables.map((table) => table.name));
      expect(new Set(owners).size).toBe(owners.length);
      const folder = join(__dirname, directory, 'projections');
      const projections = readdirSync(folder).filter((file) => file.endsWith('.projection.ts'));
      expect(projections.length).toBe(model.projections.length);
      for (const file of projections)
        expect({ file, spec: existsSync(join(folder, file.replace(/\.ts$/, '.int.spec.ts'))) }).toEqual({
          file,
          spec: true,
        });
    },
  );

  it('clm_core audits every event type but the reservations and CommandSucceeded', () => {
    const audited = clmCoreModel.projections.find((projection) => projection.name === 'audit_log')!;
    expect(EVENT_TYPES.filter((type) => !(type in audited.handlers)).sort()).toEqual(
      [...clmCoreModel.ignored].sort(),
    );
    expect([...clmCoreModel.ignored].every((type) => /Reserved|Released|CommandSucceeded/.test(type))).toBe(
      true,
    );
  });

  it('keep password hashes, secrets and keys from their reader roles', () => {
    const hidden = READ_MODELS.flatMap((model) =>
      model.tables
        .filter((table) => table.hiddenFromReader.length)
        .map((table) => `${model.name}.${table.name}: ${table.hiddenFromReader.join(', ')}`),
    );
    expect(hidden).toEqual(['certm3.users: password_hash', 'clm_core.users: password_hash, mfa_secret']);
    const closed = READ_MODELS.flatMap((model) =>
      model.tables.filter((table) => table.closedToReader).map((table) => `${model.name}.${table.name}`),
    );
    expect(closed.sort()).toEqual(['clm_secure.encryption_keys', 'clm_secure.private_keys']);
  });

  it('show sealed key material in verify reports only as a digest', () => {
    const redacted = READ_MODELS.flatMap((model) =>
      model.tables
        .filter((table) => table.redactedInReports.length)
        .map((table) => `${model.name}.${table.name}: ${table.redactedInReports.join(', ')}`),
    );
    expect(redacted).toEqual(['clm_secure.private_keys: encrypted_key_material']);
  });

  it('clm_secure audits key material and the certificate lifecycle, and ignores the rest', () => {
    const audited = clmSecureModel.projections.find((projection) => projection.name === 'secure_audit_log')!;
    expect(Object.keys(audited.handlers).sort()).toEqual(
      [
        'CertificateAuthorityActivated',
        'CertificateAuthorityCreated',
        'CertificateAuthorityPrepared',
        'CertificateExpired',
        'CertificateExpiring',
        'CertificateHoldReleased',
        'CertificateIssued',
        'CertificateRegistered',
        'CertificateRenewed',
        'CertificateRevoked',
        'CertificateSuspended',
        'EncryptionKeyCreated',
        'EncryptionKeyDestroyed',
        'EncryptionKeyRetired',
        'EncryptionKeyRotationCompleted',
        'EncryptionKeyRotationStarted',
        'PrivateKeyDestroyed',
        'PrivateKeyExported',
        'PublicKeyBlocked',
      ].sort(),
    );
    const handled = new Set(
      clmSecureModel.projections.flatMap((projection) => Object.keys(projection.handlers)),
    );
    // Requests hold no key material and change none: their history is their own table.
    expect([...handled].filter((type) => !(type in audited.handlers)).sort()).toEqual([
      'CertificateRequestFulfilled',
      'CertificateRequestSubmitted',
    ]);
    expect(EVENT_TYPES.filter((type) => !handled.has(type)).sort()).toEqual(
      [...clmSecureModel.ignored].sort(),
    );
  });
});
