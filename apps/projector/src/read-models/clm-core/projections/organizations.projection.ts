import { Updateable } from 'kysely';
import { DatabaseOf, ProjectedEvent, RowWriter } from '@certm3/projection';
import { defineProjection } from '../../kit';
import { stampOf } from '../../event-stamp';
import { organizations } from '../tables/organizations.table';

type OrganizationsDatabase = DatabaseOf<[typeof organizations]>;

function updateOrganization(
  event: ProjectedEvent<{ organizationId: string }>,
  rows: RowWriter<OrganizationsDatabase>,
  changes: Updateable<OrganizationsDatabase['organizations']>,
) {
  const { occurredAt, actorId } = stampOf(event);
  return [
    rows.update(
      'organizations',
      { id: event.data.organizationId },
      { ...changes, updated_at: occurredAt, updated_by: actorId },
    ),
  ];
}

/** Organizations: created active, updated, deactivated and reactivated, deleted softly. */
export const organizationsProjection = defineProjection({
  name: 'organizations',
  tables: [organizations],
  handlers: {
    OrganizationCreated: (event, rows) => {
      const { occurredAt, actorId } = stampOf(event);
      const { organizationId, orgCode, name, description } = event.data;
      return [
        rows.insert('organizations', {
          id: organizationId,
          org_code: orgCode,
          name,
          description,
          status: 'active',
          created_at: occurredAt,
          updated_at: occurredAt,
          created_by: actorId,
          updated_by: actorId,
        }),
      ];
    },
    OrganizationUpdated: (event, rows) =>
      updateOrganization(event, rows, { name: event.data.name, description: event.data.description }),
    OrganizationDeactivated: (event, rows) =>
      updateOrganization(event, rows, { status: 'inactive', status_reason: event.data.reason ?? null }),
    OrganizationReactivated: (event, rows) =>
      updateOrganization(event, rows, { status: 'active', status_reason: null }),
    OrganizationDeleted: (event, rows) =>
      updateOrganization(event, rows, { deleted_at: stampOf(event).occurredAt }),
  },
});
