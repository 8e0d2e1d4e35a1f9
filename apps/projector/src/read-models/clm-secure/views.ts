import { defineView } from '@certm3/projection';

/**
 * What a dashboard may list of a certificate: everything but cryptographic material — no PEM, no public
 * key fingerprint, nothing of private_keys or encryption_keys. The renewal links come last, after what
 * the views had before them (CREATE OR REPLACE VIEW only adds columns at the end).
 */
const LISTED = `c.id, c.certificate_id, c.common_name, c.serial_number, c.issuer, c.issuer_id, c.subject,
       c.subject_alternative_names, c.not_before, c.not_after, c.status, c.owner_user_id, c.policy_id,
       c.workflow_id, c.organization_id, c.fingerprint_sha256, c.key_algorithm, c.key_size, c.is_ca,
       c.imported, c.key_source, c.created_at, c.updated_at`;
const RENEWAL = `c.renewal_of, c.successor_id`;

/** Seed 001, "active_certificates": the active and expiring certificates not deleted. */
export const activeCertificates = defineView(
  'active_certificates',
  `SELECT ${LISTED}, ${RENEWAL}
  FROM certificates c
 WHERE c.status IN ('active', 'expiring') AND c.deleted_at IS NULL`,
);

/**
 * Seed 001, "expiring_certificates": the active and expiring certificates whose notAfter is within the
 * next 30 days, with `days_until_expiry` (whole days left, 0 on the last day) and, once renewed, the
 * successor.
 */
export const expiringCertificates = defineView(
  'expiring_certificates',
  `SELECT ${LISTED},
       floor(extract(epoch FROM c.not_after - now()) / 86400)::integer AS days_until_expiry, ${RENEWAL}
  FROM certificates c
 WHERE c.status IN ('active', 'expiring') AND c.deleted_at IS NULL
   AND c.not_after >= now() AND c.not_after <= now() + interval '30 days'`,
);
