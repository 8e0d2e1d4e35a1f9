import { DatabaseOf, Handler } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { certificates } from '../tables/certificates.table';

type CertificatesDatabase = DatabaseOf<[typeof certificates]>;

/**
 * A certificate enters seed 000's table the same way whether it was imported or issued by a certm3
 * authority, so revocation and expiry treat both alike; seed 000 keeps only the owner and the PEM.
 */
const certificateAdded: Handler<
  CertificatesDatabase,
  { certificateId: string; userId: string; certificateData: string }
> = (event, rows) => {
  const { occurredAt, actorId } = stampOf(event);
  const { certificateId, userId, certificateData } = event.data;
  return [
    rows.insert('certificates', {
      id: certificateId,
      user_id: userId,
      certificate_data: certificateData,
      status: 'active',
      revocation_reason: null,
      revoked_at: null,
      revoked_by: null,
      created_at: occurredAt,
      updated_at: occurredAt,
      updated_by: actorId,
    }),
  ];
};

/** Certificates: registered or issued active, then revoked or expired; never deleted. */
export const certificatesProjection = defineProjection({
  name: 'certificates',
  tables: [certificates],
  handlers: {
    CertificateRegistered: certificateAdded,
    CertificateIssued: certificateAdded,
    CertificateRevoked: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { certificateId, reason } = event.data;
      return [
        rows.update(
          'certificates',
          { id: certificateId },
          {
            status: 'revoked',
            revocation_reason: reason,
            revoked_at: occurredAt,
            revoked_by: actorId,
            updated_at: occurredAt,
            updated_by: actorId,
          },
        ),
      ];
    },
    CertificateExpired: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      return [
        rows.update(
          'certificates',
          { id: event.data.certificateId },
          { status: 'expired', updated_at: occurredAt, updated_by: actorId },
        ),
      ];
    },
  },
});
