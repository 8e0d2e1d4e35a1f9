/**
 * Who holds ADMIN globally, in stream `system-administrators`: the one place a decision can see every
 * administrator, so "never remove the last active one" is checked race-free — the decision reads this
 * stream and every other holder's user stream, and all of them are held at commit.
 */
export type AdministratorsEvent =
  | { type: 'AdministratorAdded'; data: { userId: string } }
  | { type: 'AdministratorRemoved'; data: { userId: string } };

export type AdministratorsState = { readonly holders: ReadonlySet<string> };

export const administratorsEvolver = {
  initialState: { holders: new Set<string>() } as AdministratorsState,
  evolve(state: AdministratorsState, event: AdministratorsEvent): AdministratorsState {
    const holders = new Set(state.holders);
    if (event.type === 'AdministratorAdded') holders.add(event.data.userId);
    else holders.delete(event.data.userId);
    return { holders };
  },
};

export function decideAdministrators(
  command: { type: 'Add' | 'Remove'; userId: string },
  state: AdministratorsState,
): AdministratorsEvent[] {
  const holds = state.holders.has(command.userId);
  if (command.type === 'Add')
    return holds ? [] : [{ type: 'AdministratorAdded', data: { userId: command.userId } }];
  return holds ? [{ type: 'AdministratorRemoved', data: { userId: command.userId } }] : [];
}
