/** Facts about one organization (a tenant), in stream `organization-<organizationId>`. Deletion is soft. */
export type OrganizationEvent =
  | {
      type: 'OrganizationCreated';
      data: { organizationId: string; orgCode: string; name: string; description: string | null };
    }
  | {
      type: 'OrganizationUpdated';
      data: { organizationId: string; name: string; description: string | null };
    }
  | { type: 'OrganizationDeactivated'; data: { organizationId: string; reason?: string } }
  | { type: 'OrganizationReactivated'; data: { organizationId: string } }
  | { type: 'OrganizationDeleted'; data: { organizationId: string; orgCode: string } };
