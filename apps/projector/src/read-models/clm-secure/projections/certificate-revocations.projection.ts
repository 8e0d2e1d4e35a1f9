import { CRL_REASON_CODES, EventOfType, RevocationRequestReason } from '@certm3/domain';
import { uuidV5 } from '@certm3/event-store';
import { DatabaseOf, Handler, ProjectedEvent } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { actorUuidOf, stampOf } from '../../event-stamp';
import { certificateRevocations } from '../tables/certificate-revocations.table';

type RevocationsDatabase = DatabaseOf<[typeof certificateRevocations]>;

/** Namespace of the rows' ids (fixed forever: changing it changes every id a rebuild writes). */
const REVOCATION_ID_NAMESPACE = '7c2951c1-97cf-44aa-8f23-ceb83c575508';

/** The row's id: a name-based UUID of the event that revoked or held the certificate, the same in every rebuild. */
export const revocationIdOf = (eventId: string) => uuidV5(eventId.toLowerCase(), REVOCATION_ID_NAMESPACE);

function entered(
  event: ProjectedEvent<{ certificateId: string; comment?: string; invalidityDate?: string }>,
  rows: Parameters<Handler<RevocationsDatabase>>[1],
  reason: RevocationRequestReason,
  revokedAt: string,
) {
  const { occurredAt } = stampOf(event);
  const { certificateId, comment, invalidityDate } = event.data;
  return [
    rows.insert('certificate_revocations', {
      id: revocationIdOf(event.id),
      certificate_id: certificateId,
      revocation_reason: reason,
      crl_reason_code: CRL_REASON_CODES[reason],
      revoked_at: revokedAt,
      revoked_by: actorUuidOf(event),
      comment: comment ?? null,
      invalidity_date: invalidityDate ?? null,
      released_at: null,
      released_by: null,
      created_at: occurredAt,
      updated_at: occurredAt,
    }),
  ];
}

/**
 * The open hold of the certificate is released. The event names the certificate, not the hold: the hold
 * is the one row of the certificate with reason certificateHold not released yet (the domain holds a
 * certificate once at a time, and a revoked one never again), and anything but one such row halts the
 * model on the event.
 */
const holdReleased: Handler<RevocationsDatabase, EventOfType<'CertificateHoldReleased'>['data']> = (
  event,
  rows,
) => {
  const { certificateId, releasedAt } = event.data;
  return [
    rows.statement(
      rows.db
        .updateTable('certificate_revocations')
        .set({
          released_at: releasedAt,
          released_by: actorUuidOf(event),
          updated_at: stampOf(event).occurredAt,
        })
        .where('certificate_id', '=', certificateId)
        .where('revocation_reason', '=', 'certificateHold')
        .where('released_at', 'is', null),
      `the open hold of certificate ${certificateId} in certificate_revocations`,
    ),
  ];
};

/** certificate_revocations: a row per revocation and per hold; a release closes the hold. */
export const certificateRevocationsProjection = defineProjection({
  name: 'certificate_revocations',
  tables: [certificateRevocations],
  handlers: {
    // A schema-1 event has no revokedAt: the upcast dates it by the event's occurredAt.
    CertificateRevoked: (event, rows) => entered(event, rows, event.data.reason, event.data.revokedAt),
    CertificateSuspended: (event, rows) => entered(event, rows, 'certificateHold', event.data.suspendedAt),
    CertificateHoldReleased: holdReleased,
  },
});
