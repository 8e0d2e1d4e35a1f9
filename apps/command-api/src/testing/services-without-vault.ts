import { CommandServices } from '../execution/command-definition';
import { AuthoritySigningKeys } from '../pki/authority-signing-keys';
import { PasswordHasher } from '../security/password-hasher';

/** Command services for tests of commands that never touch a key: any use of the vault fails loudly. */
export function servicesWithoutVault(passwords: PasswordHasher): CommandServices {
  const keyVault = (): never => {
    throw new Error('no key vault in these tests');
  };
  return {
    passwords,
    keyVault,
    pkiBaseUrl: 'http://localhost:3002',
    signingKeys: new AuthoritySigningKeys(keyVault),
  };
}
