import {
  CaKeyAlgorithm,
  CertificateDescription,
  CertificateFacts,
  DistinguishedName,
  EventOfType,
} from '@certm3/domain';
import { sql, Updateable } from 'kysely';
import { DatabaseOf, Handler } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { plainHex, readCertificatePem } from '../certificate-description';
import { CertificateStatus } from '../tables/common';
import { certificates } from '../tables/certificates.table';

type CertificatesDatabase = DatabaseOf<[typeof certificates]>;

const DESCRIPTION: Record<keyof CertificateDescription, true> = {
  commonName: true,
  subjectAlternativeNames: true,
  keyAlgorithm: true,
  keySize: true,
  isCa: true,
  publicKeyFingerprint: true,
};

/** What the event says of the certificate, and what a schema-1 event left out read from its PEM. */
function descriptionOf(
  data: Partial<CertificateDescription> & { certificateData: string },
): CertificateDescription {
  const keys = Object.keys(DESCRIPTION) as (keyof CertificateDescription)[];
  const given = keys.filter((key) => data[key] !== undefined);
  if (given.length === keys.length) return data as CertificateDescription;
  const said = Object.fromEntries(given.map((key) => [key, data[key]]));
  return Object.assign(readCertificatePem(data.certificateData), said);
}

/** A certificate not valid yet when it entered the inventory waits for its notBefore. */
const statusAt = (notBefore: string, occurredAt: string): CertificateStatus =>
  Date.parse(notBefore) > Date.parse(occurredAt) ? 'pending' : 'active';

const describedColumns = (description: CertificateDescription) => ({
  common_name: description.commonName,
  subject_alternative_names: description.subjectAlternativeNames,
  public_key_fingerprint: description.publicKeyFingerprint,
  key_algorithm: description.keyAlgorithm,
  key_size: description.keySize,
  is_ca: description.isCa,
});

/** `RSA_2048` → RSA of 2048 bits, `ECDSA_P256` → ECDSA on a 256-bit curve. */
function authorityKey(algorithm: CaKeyAlgorithm) {
  const [, keyAlgorithm, bits] = /^(RSA|ECDSA)_P?(\d+)$/.exec(algorithm)!;
  return { key_algorithm: keyAlgorithm, key_size: Number(bits) };
}

/** RFC 4514 text of a DN the events give as fields, most significant RDN last. */
export function distinguishedNameText(name: DistinguishedName): string {
  const escape = (value: string) =>
    value.replace(/[\\,+"<>;=]/g, (special) => `\\${special}`).replace(/^[ #]| $/g, (edge) => `\\${edge}`);
  return (
    [
      ['CN', name.commonName],
      ['OU', name.organizationalUnit],
      ['O', name.organization],
      ['C', name.country],
    ] as const
  )
    .filter(([, value]) => value !== undefined)
    .map(([attribute, value]) => `${attribute}=${escape(value!)}`)
    .join(',');
}

/** The columns every row starts with: its id twice (the seed selects certificate_id), its event's time. */
const entered = (id: string, occurredAt: string) => ({
  id,
  certificate_id: id,
  created_at: occurredAt,
  updated_at: occurredAt,
});

/** An issued or imported certificate as its event's facts and its owner's id say. */
function factColumns(
  data: CertificateFacts & { userId: string; certificateData: string },
  occurredAt: string,
) {
  return {
    serial_number: plainHex(data.serialNumber),
    issuer: data.issuer,
    subject: data.subject,
    not_before: data.notBefore,
    not_after: data.notAfter,
    status: statusAt(data.notBefore, occurredAt),
    owner_user_id: data.userId,
    certificate_pem: data.certificateData,
    fingerprint_sha256: plainHex(data.fingerprintSha256),
  };
}

/** An authority's own certificate: its key was made here, whoever signs the certificate. */
const authorityEntered = (data: { caId: string; organizationId: string | null }, occurredAt: string) => ({
  ...entered(data.caId, occurredAt),
  organization_id: data.organizationId,
  is_ca: true,
  imported: false,
  key_source: 'server' as const,
});

const issued: Handler<CertificatesDatabase, EventOfType<'CertificateIssued'>['data']> = (event, rows) => {
  const { occurredAt } = stampOf(event);
  const data = event.data;
  return [
    rows.insert('certificates', {
      ...entered(data.certificateId, occurredAt),
      ...factColumns(data, occurredAt),
      ...describedColumns(data),
      issuer_id: data.caId,
      policy_id: data.policyId,
      organization_id: data.organizationId,
      imported: false,
      key_source: data.keySource,
      renewal_of: data.renewalOf ?? null,
    }),
  ];
};

const registered: Handler<CertificatesDatabase, EventOfType<'CertificateRegistered'>['data']> = (
  event,
  rows,
) => {
  const { occurredAt } = stampOf(event);
  return [
    rows.insert('certificates', {
      ...entered(event.data.certificateId, occurredAt),
      ...factColumns(event.data, occurredAt),
      ...describedColumns(descriptionOf(event.data)),
      imported: true,
    }),
  ];
};

/** The authority's certificate as it signed or received it: what the PEM says, with the event's facts. */
function authorityCertificate(data: EventOfType<'CertificateAuthorityActivated'>['data']) {
  const read = readCertificatePem(data.certificatePem);
  return {
    serial_number: plainHex(data.serialNumber),
    issuer: read.issuer,
    subject: read.subject,
    not_before: data.notBefore,
    not_after: data.notAfter,
    certificate_pem: data.certificatePem,
    fingerprint_sha256: plainHex(data.fingerprint),
    ...describedColumns(read),
    is_ca: true,
  };
}

/** The certificate's status and whatever else the event changes, stamped with its time. */
const changed =
  <Data extends { certificateId: string }>(
    columns: (data: Data) => Omit<Updateable<CertificatesDatabase['certificates']>, 'updated_at'>,
  ): Handler<CertificatesDatabase, Data> =>
  (event, rows) => [
    rows.update(
      'certificates',
      { id: event.data.certificateId },
      { ...columns(event.data), updated_at: stampOf(event).occurredAt },
    ),
  ];

/**
 * A hold lifted: the certificate is as it was before it — `expiring` if the expiry process had marked it,
 * `pending` if it is still not valid, `active` otherwise — and no revocation is in force. Only a suspended
 * certificate is released; a log that says otherwise halts the model on the event.
 */
const holdReleased: Handler<CertificatesDatabase, EventOfType<'CertificateHoldReleased'>['data']> = (
  event,
  rows,
) => {
  const { certificateId, releasedAt } = event.data;
  return [
    rows.statement(
      rows.db
        .updateTable('certificates')
        .set({
          status: sql<CertificateStatus>`CASE WHEN marked_expiring_at IS NOT NULL THEN 'expiring'
            WHEN not_before > ${releasedAt} THEN 'pending' ELSE 'active' END`,
          revoked_at: null,
          revocation_reason: null,
          updated_at: stampOf(event).occurredAt,
        })
        .where('id', '=', certificateId)
        .where('status', '=', 'suspended'),
      `the suspended certificates row id=${certificateId}`,
    ),
  ];
};

/**
 * The certificate inventory: issued and imported certificates, and the authorities' own — a root or an
 * intermediate certm3 signed, or one an offline parent signs (pending from its preparation, with its key,
 * until activation). Revocation, holds, their release, the expiry process's marks and expiry set the
 * status (a hold's release puts back what it was); renewal links predecessor and successor. Nothing is
 * deleted.
 */
export const certificatesProjection = defineProjection({
  name: 'certificates',
  tables: [certificates],
  handlers: {
    CertificateIssued: issued,
    CertificateRegistered: registered,
    CertificateAuthorityCreated: (event, rows) => {
      const { occurredAt } = stampOf(event);
      const data = event.data;
      return [
        rows.insert('certificates', {
          ...authorityEntered(data, occurredAt),
          ...authorityCertificate(data),
          // A root is signed with its own key.
          issuer_id: data.parentId ?? data.caId,
          status: statusAt(data.notBefore, occurredAt),
        }),
      ];
    },
    CertificateAuthorityPrepared: (event, rows) => {
      const data = event.data;
      return [
        rows.insert('certificates', {
          ...authorityEntered(data, stampOf(event).occurredAt),
          common_name: data.subject.commonName,
          subject: distinguishedNameText(data.subject),
          status: 'pending',
          public_key_fingerprint: data.publicKeyFingerprint,
          ...authorityKey(data.keyAlgorithm),
        }),
      ];
    },
    CertificateAuthorityActivated: (event, rows) => {
      const { occurredAt } = stampOf(event);
      const data = event.data;
      return [
        rows.update(
          'certificates',
          { id: data.caId },
          {
            ...authorityCertificate(data),
            status: statusAt(data.notBefore, occurredAt),
            updated_at: occurredAt,
          },
        ),
      ];
    },
    CertificateRevoked: changed((data) => ({
      status: 'revoked',
      revoked_at: data.revokedAt,
      revocation_reason: data.reason,
    })),
    CertificateSuspended: changed((data) => ({
      status: 'suspended',
      revoked_at: data.suspendedAt,
      revocation_reason: 'certificateHold',
    })),
    CertificateHoldReleased: holdReleased,
    CertificateExpiring: changed((data) => ({ status: 'expiring', marked_expiring_at: data.markedAt })),
    // Revoked certificates never expire; a held one does, and its hold ends with it.
    CertificateExpired: changed(() => ({ status: 'expired', revoked_at: null, revocation_reason: null })),
    CertificateRenewed: changed((data) => ({ successor_id: data.successorId, renewed_at: data.renewedAt })),
  },
});
