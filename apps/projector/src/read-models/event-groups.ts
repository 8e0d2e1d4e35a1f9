/**
 * The reservations keep names unique across aggregates (their data is an owner id, their stream a digest of
 * the name): no read model has a table of them, and the event each one guards carries what it reserved.
 */
export const RESERVATION_EVENT_TYPES = [
  'EmailReserved',
  'EmailReleased',
  'UsernameReserved',
  'UsernameReleased',
  'RoleCodeReserved',
  'RoleCodeReleased',
  'OrganizationCodeReserved',
  'OrganizationCodeReleased',
  'PolicyCodeReserved',
  'PolicyCodeReleased',
  'CertificateFingerprintReserved',
  'CertificateFingerprintReleased',
  // The upgrade's marker that a log's older certificates have their fingerprints reserved.
  'CertificateFingerprintsReserved',
] as const;
