/** Seed 001, "Certificate Status". */
export const CERTIFICATE_STATUSES = [
  'pending',
  'active',
  'expiring',
  'expired',
  'revoked',
  'suspended',
] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

/** Where a certificate's key was made: by the requester (a CSR) or here, sealed in private_keys. */
export const KEY_SOURCES = ['csr', 'server'] as const;

export { updatedAtTrigger } from '../../clm-core/tables/common';
export { refuseAuditChange } from '../../clm-core/tables/audit-log.table';
