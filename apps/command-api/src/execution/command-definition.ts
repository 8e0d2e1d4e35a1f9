import { BodyOfContract, CommandName, COMMANDS, ContractOf } from '@certm3/contracts';
import { KeyVault } from '@certm3/key-vault';
import { AuthoritySigningKeys } from '../pki/authority-signing-keys';
import { PasswordHasher } from '../security/password-hasher';
import { CommandContext, CommandResult } from './command-context';
import { AccessCheck, AccessTarget } from './access-control';
import { StreamSession } from './stream-session';

/** What definitions may use besides the event store: injected once, shared by every command. */
export interface CommandServices {
  readonly passwords: PasswordHasher;
  /** The key vault once it is connected; UNAVAILABLE (as for the event store) until then. */
  readonly keyVault: () => KeyVault;
  /** What issued certificates name in their CRL distribution point and AIA (PKI_BASE_URL). */
  readonly pkiBaseUrl: string;
  /** The authorities' private keys, opened from the vault once per instance. */
  readonly signingKeys: AuthoritySigningKeys;
  /** Tells the key rotation process a rotation began (it also looks by itself, now and then). */
  readonly keyRotation?: { wake(): void };
  /**
   * What time a command is decided at (ms since the epoch); the system clock unless a test moves it (the
   * lifecycle specs run a second instance days ahead instead of waiting days).
   */
  readonly clock?: () => number;
}

export interface CommandInput<Name extends CommandName> {
  readonly body: BodyOfContract<ContractOf<Name>>;
  readonly context: CommandContext;
}

export interface CommandRun<Name extends CommandName, Prepared> extends CommandInput<Name> {
  readonly prepared: Prepared;
  readonly session: StreamSession;
  readonly services: CommandServices;
  /** The actor's authorization, for a permission the command needs beyond its declared one (undefined without an actor). */
  readonly access: AccessCheck | undefined;
  /** Whether the declared permission was waived because the actor acts on themselves (see `actsOnSelf`). */
  readonly selfService: boolean;
}

/**
 * How one command is carried out, as data the one executor runs (see CommandExecutor):
 * - `prepare`: once per delivery, before the first attempt and never repeated by a retry — derived ids, a
 *   password's (deliberately slow) hash, a certificate's parse; a CommandValidationError here is the
 *   body's fault and is answered VALIDATION_FAILED without being recorded.
 * - `reads`: the streams the decision reads, fetched together in one round trip before it runs.
 * - `decide`: loads streams through the session, decides with the domain's deciders and appends through
 *   the session; every stream it read is held to the revision it read at commit, or it is decided again.
 * - `actingUser`: for a command without an actor (bootstrap), who the events are by.
 */
export interface CommandDefinition<Name extends CommandName = CommandName, Prepared = unknown> {
  readonly contract: ContractOf<Name>;
  prepare?(input: CommandInput<Name>, services: CommandServices): Promise<Prepared> | Prepared;
  reads?(input: CommandInput<Name> & { readonly prepared: Prepared }): readonly string[];
  decide(run: CommandRun<Name, Prepared>): Promise<CommandResult>;
  actingUser?(input: CommandInput<Name> & { readonly prepared: Prepared }): string;
  /**
   * What the command acts on: the audit log's resource, and the organizations where a scoped grant of the
   * permission applies. Left out: only a global grant will do.
   */
  target?(input: CommandInput<Name> & { readonly prepared: Prepared }): AccessTarget;
  /**
   * Where the permission applies when only a stream the command reads knows it (a certificate request is
   * scoped by its policy's organization): run after the reads, through the session, so what it read is
   * held at commit like everything else. Left out: `target`.
   */
  scope?(
    input: CommandInput<Name> & { readonly prepared: Prepared; readonly session: StreamSession },
  ): Promise<AccessTarget>;
  /**
   * For a contract with `selfService`: whether the actor acts on themselves, in which case the permission
   * is waived and `decide` must check what proves it.
   */
  actsOnSelf?(input: CommandInput<Name> & { readonly prepared: Prepared }): boolean;
}

export function defineCommandHandler<Name extends CommandName, Prepared = undefined>(
  name: Name,
  definition: Omit<CommandDefinition<Name, Prepared>, 'contract'>,
): CommandDefinition<Name, Prepared> {
  return { contract: COMMANDS[name], ...definition };
}

/** The definitions of a set of contracts, one per name: a contract without one does not compile. */
export type DefinitionsOf<Contracts> = {
  // Each definition prepares what it needs; the record only insists that every command has one.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly [Name in keyof Contracts & CommandName]: CommandDefinition<Name, any>;
};
