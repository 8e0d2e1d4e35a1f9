import { CommandName } from '@certm3/contracts';
import { CERTIFICATE_COMMAND_DEFINITIONS } from './certificates/certificates.definitions';
import { CommandDefinition } from './execution/command-definition';
import { GROUP_COMMAND_DEFINITIONS } from './identity/groups.definitions';
import { USER_COMMAND_DEFINITIONS } from './identity/users.definitions';
import { ROLE_COMMAND_DEFINITIONS } from './access/roles.definitions';
import { ORGANIZATION_COMMAND_DEFINITIONS } from './organizations/organizations.definitions';
import { AUTHORITY_COMMAND_DEFINITIONS } from './pki/authorities.definitions';
import { ISSUANCE_COMMAND_DEFINITIONS } from './pki/issuance.definitions';
import { KEY_COMMAND_DEFINITIONS } from './pki/keys.definitions';
import { POLICY_COMMAND_DEFINITIONS } from './pki/policies.definitions';
import { RENEWAL_COMMAND_DEFINITIONS } from './pki/renewal.definitions';
import { NOTIFICATION_COMMAND_DEFINITIONS } from './lifecycle/notifications.definitions';

/** Every command's definition, by name: a command without one does not compile (see DefinitionsOf). */
export const COMMAND_DEFINITIONS: { readonly [Name in CommandName]: CommandDefinition } = {
  ...USER_COMMAND_DEFINITIONS,
  ...GROUP_COMMAND_DEFINITIONS,
  ...ROLE_COMMAND_DEFINITIONS,
  ...ORGANIZATION_COMMAND_DEFINITIONS,
  ...CERTIFICATE_COMMAND_DEFINITIONS,
  ...AUTHORITY_COMMAND_DEFINITIONS,
  ...POLICY_COMMAND_DEFINITIONS,
  ...ISSUANCE_COMMAND_DEFINITIONS,
  ...KEY_COMMAND_DEFINITIONS,
  ...RENEWAL_COMMAND_DEFINITIONS,
  ...NOTIFICATION_COMMAND_DEFINITIONS,
} as { readonly [Name in CommandName]: CommandDefinition };
