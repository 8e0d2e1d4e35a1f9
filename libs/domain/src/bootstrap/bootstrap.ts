import { refuse } from '../shared/domain-error';

/**
 * The first administrator registers themselves, once. Stream `system-bootstrap` records who it was; a
 * second bootstrap is refused while that administrator exists. (If a process stopped between marking the
 * bootstrap and registering the user, the marked user does not exist and a new bootstrap may proceed.)
 */
export type BootstrapEvent = { type: 'AdministratorBootstrapped'; data: { userId: string } };
export type BootstrapState = { readonly administratorId: string | null };

export const bootstrapEvolver = {
  initialState: { administratorId: null } as BootstrapState,
  evolve: (_state: BootstrapState, event: BootstrapEvent): BootstrapState => ({
    administratorId: event.data.userId,
  }),
};

export function decideBootstrap(
  command: { userId: string; bootstrappedAdministratorExists: boolean },
  state: BootstrapState,
): BootstrapEvent[] {
  if (state.administratorId === command.userId) return [];
  if (state.administratorId !== null && command.bootstrappedAdministratorExists)
    refuse('ALREADY_BOOTSTRAPPED');
  return [{ type: 'AdministratorBootstrapped', data: { userId: command.userId } }];
}
