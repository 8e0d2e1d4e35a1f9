import { ErrorCode, isPermissionName, PermissionName, PERMISSION_NAMES } from '@certm3/domain';
import { BodyOf, BodyShape, secretPaths } from './schema/fields';

/**
 * What an actor must be allowed to do for a command to start: `<resource>:<action>`, in the shape of the CLM
 * platform's role permissions (`roles.permissions` is `{"certificates": ["create", "revoke"], …}`).
 */
export type Permission = PermissionName;

/**
 * For the rare command that has no acting user (the first administrator bootstrapping themselves): why
 * it may run unauthenticated. A command must declare either a permission or this; nothing is allowed by
 * default.
 */
export interface Unauthenticated {
  readonly unauthenticated: string;
}

export interface CommandContract<Name extends string = string, Shape extends BodyShape = BodyShape> {
  readonly name: Name;
  /** One line for the AsyncAPI document and the CLI. */
  readonly summary: string;
  /** `required`: the `actor-id` header (or a credential) names who acts; `none`: no actor. */
  readonly actor: 'required' | 'none';
  /** Deny by default: a command without a permission cannot start (checked when the executor registers it). */
  readonly permission: Permission | Unauthenticated;
  /**
   * When the actor acts on themselves and the definition checks what proves it (changing one's own password
   * needs the current one), the permission is not needed: why. Absent: the permission is always needed.
   */
  readonly selfService?: string;
  readonly body: Shape;
  /** The refusals the command's rules can give, besides the transport's and the executor's. */
  readonly refusals: readonly ErrorCode[];
  /**
   * Fields of the reply's data that only the first answer carries (an exported key): they are never
   * recorded with the outcome, so a replay of the command id answers without them and names them in
   * `withheld`. Ask again under a new command id.
   */
  readonly shownOnce?: readonly string[];
}

export type BodyOfContract<C extends CommandContract> = BodyOf<C['body']>;

export function defineCommand<const Name extends string, const Shape extends BodyShape>(
  contract: CommandContract<Name, Shape>,
): CommandContract<Name, Shape> {
  return contract;
}

/** Contracts keyed by name, so a context's commands are one record (adding one touches only its entry). */
export function commandSet<const Contracts extends readonly CommandContract[]>(
  ...contracts: Contracts
): { readonly [C in Contracts[number] as C['name']]: C } {
  return Object.fromEntries(contracts.map((contract) => [contract.name, contract])) as never;
}

const PERMISSION = /^[a-z][a-z_]*:[a-z][a-z_]*$/;

export class UndeclaredPermissionError extends Error {}

/** Refuses a contract that declares no permission (or a malformed one): deny by default. */
export function assertPermissionDeclared(contract: CommandContract): void {
  const { permission } = contract;
  if (typeof permission === 'string') {
    if (!PERMISSION.test(permission))
      throw new UndeclaredPermissionError(
        `command ${contract.name}: permission ${JSON.stringify(permission)} is not <resource>:<action>`,
      );
    if (!isPermissionName(permission))
      throw new UndeclaredPermissionError(
        `command ${contract.name}: permission ${permission} is not in the vocabulary (${PERMISSION_NAMES.join(', ')})`,
      );
    if (contract.actor !== 'required')
      throw new UndeclaredPermissionError(`command ${contract.name}: a permission needs an actor`);
    return;
  }
  if (
    permission &&
    typeof permission === 'object' &&
    typeof permission.unauthenticated === 'string' &&
    permission.unauthenticated.length > 0 &&
    contract.actor === 'none'
  )
    return;
  throw new UndeclaredPermissionError(
    `command ${contract.name} declares no permission: it cannot start (deny by default)`,
  );
}

/** Secret fields of a command's body (never digested, logged or echoed). */
export function secretFieldsOf(contract: CommandContract): string[] {
  return secretPaths(contract.body);
}
