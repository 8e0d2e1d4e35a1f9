import { DatabaseOf, Handler } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { certificateMetadata } from '../tables/certificate-metadata.table';

type MetadataDatabase = DatabaseOf<[typeof certificateMetadata]>;

/** Imported and issued certificates alike get their row, with no metadata set yet. */
const certificateAdded: Handler<
  MetadataDatabase,
  { certificateId: string; userId: string; organizationId?: string | null }
> = (event, rows) => {
  const { occurredAt, actorId } = stampOf(event);
  const { certificateId, userId, organizationId } = event.data;
  return [
    rows.insert('certificate_metadata', {
      id: certificateId,
      certificate_id: certificateId,
      owner_user_id: userId,
      organization_id: organizationId ?? null,
      created_at: occurredAt,
      updated_at: occurredAt,
      created_by: actorId,
      updated_by: actorId,
    }),
  ];
};

/** A row per certificate, registered or issued; SetCertificateMetadata replaces what it says. */
export const certificateMetadataProjection = defineProjection({
  name: 'certificate_metadata',
  tables: [certificateMetadata],
  handlers: {
    CertificateRegistered: certificateAdded,
    CertificateIssued: certificateAdded,
    CertificateMetadataSet: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { certificateId, tags, environment, application, notes } = event.data;
      return [
        rows.update(
          'certificate_metadata',
          { id: certificateId },
          { tags, environment, application, notes, updated_at: occurredAt, updated_by: actorId },
        ),
      ];
    },
  },
});
