import { SYSTEM_ACTOR_ID } from '@certm3/domain';
import { DatabaseOf, Handler, ProjectedEvent } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { certificates } from '../tables/certificates.table';

type CertificatesDatabase = DatabaseOf<[typeof certificates]>;

/**
 * When and by whom the row changed. `updated_by` and `revoked_by` reference users: the system actor (the
 * command API's own processes, expiry among them) is no user, and leaves them NULL.
 */
function stamped(event: ProjectedEvent<unknown>) {
  const { occurredAt, actorId } = stampOf(event);
  return { occurredAt, user: actorId === SYSTEM_ACTOR_ID ? null : actorId };
}

/**
 * A certificate enters seed 000's table the same way whether it was imported or issued by a certm3
 * authority (a user's request, or the expiry process's renewal), so revocation and expiry treat both
 * alike; seed 000 keeps only the owner and the PEM.
 */
const certificateAdded: Handler<
  CertificatesDatabase,
  { certificateId: string; userId: string; certificateData: string }
> = (event, rows) => {
  const { occurredAt, user } = stamped(event);
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
      updated_by: user,
    }),
  ];
};

/**
 * The status, and the revocation or hold in force (RFC 5280 certificateHold) — its reason, its own time
 * (a revocation's `revokedAt`, a schema-1 event's occurredAt by the upcast; a hold's `suspendedAt`) and
 * who — or none: a released hold, a held certificate that expired.
 */
const revocationState =
  <Data extends { certificateId: string }>(
    status: 'revoked' | 'suspended' | 'active' | 'expired',
    revocation: (data: Data) => { reason: string; at: string } | null,
  ): Handler<CertificatesDatabase, Data> =>
  (event, rows) => {
    const { occurredAt, user } = stamped(event);
    const inForce = revocation(event.data);
    return [
      rows.update(
        'certificates',
        { id: event.data.certificateId },
        {
          status,
          revocation_reason: inForce?.reason ?? null,
          revoked_at: inForce?.at ?? null,
          revoked_by: inForce ? user : null,
          updated_at: occurredAt,
          updated_by: user,
        },
      ),
    ];
  };

/**
 * Certificates: registered or issued active; revoked (final), or suspended while on hold and active again
 * when the hold is released; expired; never deleted. Seed 000 has no `expiring`: a certificate the expiry
 * process marks stays `active` here, as it is still valid; reminders and renewals leave the row as it is.
 */
export const certificatesProjection = defineProjection({
  name: 'certificates',
  tables: [certificates],
  handlers: {
    CertificateRegistered: certificateAdded,
    CertificateIssued: certificateAdded,
    CertificateRevoked: revocationState('revoked', (data) => ({ reason: data.reason, at: data.revokedAt })),
    CertificateSuspended: revocationState('suspended', (data) => ({
      reason: 'certificateHold',
      at: data.suspendedAt,
    })),
    CertificateHoldReleased: revocationState('active', () => null),
    // Revoked certificates never expire; a held one does, and its hold ends with it.
    CertificateExpired: revocationState('expired', () => null),
  },
});
