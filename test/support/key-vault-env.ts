/**
 * What a command API needs of the key vault in tests and the benchmark: a master key (one fixed key for every
 * test, never a production one) and a vault database of the test's own — the database of its event store,
 * where the vault keeps its own schema — so no test ever sets up the machine's default vault database under
 * the test key (a later `npm start` there would then be refused).
 */
export const TEST_MASTER_KEY = Buffer.from('certm3 tests only: not a real key')
  .subarray(0, 32)
  .toString('base64');

export function keyVaultTestEnv(env: Record<string, string | undefined>): Record<string, string> {
  // The lifecycle process's lock and checkpoint go there too: never the machine's default database.
  const own = {
    KEY_VAULT_DATABASE_URL: vaultUrl(env),
    LIFECYCLE_DATABASE_URL: env.LIFECYCLE_DATABASE_URL ?? vaultUrl(env),
  };
  if (env.CERTM3_MASTER_KEY_FILE) return own;
  return { CERTM3_MASTER_KEY: TEST_MASTER_KEY, ...own };
}

function vaultUrl(env: Record<string, string | undefined>): string {
  if (env.KEY_VAULT_DATABASE_URL) return env.KEY_VAULT_DATABASE_URL;
  const eventStore = env.EVENT_STORE_URL ?? '';
  if (/^postgres(ql)?:\/\//i.test(eventStore)) return eventStore;
  // Never the machine's default vault: one of the tests' own, set up under the test key only.
  return 'postgres://postgres@127.0.0.1:5432/certm3_test_key_vault';
}
