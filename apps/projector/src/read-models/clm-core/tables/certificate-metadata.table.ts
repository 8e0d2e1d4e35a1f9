import { defineTable, jsonb, text, uuid, varchar } from '@certm3/projection';
import { stampColumns, updatedAtTrigger } from './common';

/**
 * Seed 001, "certificate_metadata": what the platform knows of a certificate besides the certificate
 * itself (clm_secure_db has that). One row per certificate, from its issuance or registration (`id` is the
 * certificate's id, and so is `certificate_id`: a uuid only, no foreign key across databases); the owner
 * and the organization are this database's rows. Tags, environment, application and notes are what
 * SetCertificateMetadata last set (tags `{}` until then).
 */
export const certificateMetadata = defineTable('certificate_metadata', {
  columns: {
    id: uuid().primaryKey(),
    certificate_id: uuid().notNull(),
    owner_user_id: uuid().notNull().references('users', 'id'),
    organization_id: uuid().references('organizations', 'id'),
    tags: jsonb<Readonly<Record<string, string>>>().notNull().default("'{}'::jsonb"),
    environment: varchar(100),
    application: varchar(255),
    notes: text(),
    ...stampColumns(),
  },
  indexes: {
    idx_certificate_metadata_cert_id: { columns: ['certificate_id'] },
    idx_certificate_metadata_owner_user_id: { columns: ['owner_user_id'] },
    idx_certificate_metadata_organization_id: { columns: ['organization_id'] },
    idx_certificate_metadata_tags: { columns: ['tags'], using: 'gin' },
  },
  triggers: updatedAtTrigger('certificate_metadata'),
});
