/**
 * The apps as the benchmark runs them: separate processes started from their sources, as a deployment
 * would run them, and stopped at the end of the run. The apps' entry files are named here and nowhere else.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { keyVaultTestEnv } from '../../test/support/key-vault-env';
import { freePort } from '../../test/support/network';
import { scratchDatabase } from './scratch';

const ROOT = join(__dirname, '..', '..');
const children: ChildProcess[] = [];

/** Cost of the password hash the command API uses in the benchmark (reported with the command path). */
export const PASSWORD_SCRYPT_LOG2_COST = 10;

/** Starts the app and resolves once its /health answers 200 (every dependency connected). */
export async function startApp(
  app: 'command-api' | 'projector',
  env: Record<string, string>,
): Promise<ChildProcess> {
  return (await startAppOnPort(app, env)).child;
}

/** The same, for any app, with the port it listens on; `healthyWithinMs` for apps with a log to read first. */
export async function startAppOnPort(
  app: 'command-api' | 'projector' | 'pki-http',
  env: Record<string, string>,
  healthyWithinMs = 30_000,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      // BENCH_CPU_PROFILE=dir writes a V8 CPU profile of each app there (open it in Chrome's devtools).
      ...(process.env.BENCH_CPU_PROFILE
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`]
        : []),
      '-r',
      '@swc-node/register',
      join(ROOT, 'apps', app, 'src', 'main.ts'),
    ],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        COMMAND_API_HTTP_PORT: String(port),
        PROJECTOR_HTTP_PORT: String(port),
        PKI_HTTP_PORT: String(port),
        HTTP_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...(app === 'command-api' ? keyVaultTestEnv(env) : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  let exited: number | null | undefined;
  // Kept for the error message of a start that fails; bounded, as apps run for the whole stage.
  const onData = (chunk: Buffer) => void (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  child.once('exit', (code) => (exited = code));
  for (const deadline = Date.now() + healthyWithinMs; Date.now() < deadline;) {
    if (exited !== undefined) throw new Error(`${app} exited with ${exited}: ${output}`);
    const healthy = await fetch(`http://127.0.0.1:${port}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return { child, port };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${app} did not report healthy within ${healthyWithinMs / 1000} s: ${output}`);
}

/** What a command API is given of its key vault: the master key and the vault's database. */
export interface KeyVaultEnvironment {
  readonly CERTM3_MASTER_KEY: string;
  readonly KEY_VAULT_DATABASE_URL: string;
}

/**
 * A key vault as a deployment has one: a database of its own (a scratch one) and a random 32-byte master
 * key. Every command API of a deployment is given the same one (a vault refuses any other master key).
 */
export async function scratchKeyVault(prefix: string): Promise<KeyVaultEnvironment> {
  const database = await scratchDatabase(prefix);
  return { CERTM3_MASTER_KEY: randomBytes(32).toString('base64'), KEY_VAULT_DATABASE_URL: database.url };
}

/**
 * A command API on the given event store, answering commands under the given subject prefix; with the
 * given key vault, or else the tests' fixed key and a vault in the event store's database (enough for
 * stages that seal nothing).
 */
export function startCommandApi(
  eventStoreUrl: string,
  subjectPrefix: string,
  keyVault?: KeyVaultEnvironment,
): Promise<ChildProcess> {
  return startApp('command-api', {
    EVENT_STORE_URL: eventStoreUrl,
    NATS_SUBJECT_PREFIX: subjectPrefix,
    PASSWORD_SCRYPT_LOG2_COST: String(PASSWORD_SCRYPT_LOG2_COST),
    ...keyVault,
  });
}

/** Asks every app started to stop, then gives them a second to let go of their connections. */
export async function stopApps(): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}
