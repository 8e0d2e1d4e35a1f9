/**
 * Facts about one group, in stream `group-<lowercased name>`. `groupId` is new at every creation, so a
 * group deleted and created again under the same name is a different group: old memberships do not revive.
 */
export type GroupEvent =
  | {
      type: 'GroupCreated';
      data: { groupId: string; name: string; description: string | null; system: boolean };
    }
  | { type: 'GroupUpdated'; data: { groupId: string; name: string; description: string | null } }
  | { type: 'GroupDeleted'; data: { groupId: string; name: string } };
