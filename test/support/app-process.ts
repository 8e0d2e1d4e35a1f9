import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { keyVaultTestEnv } from './key-vault-env';

const ROOT = join(__dirname, '..', '..');

export type AppName = 'command-api' | 'projector' | 'pki-http';

export interface LogLine {
  level: string;
  message: unknown;
  context?: string;
}

/** A certm3 app started from its TypeScript source as its own process, the way an operator runs it. */
export class AppProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<number | null>;
  private output = '';

  private constructor(private readonly child: ChildProcess) {
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString();
      let newline: number;
      while ((newline = this.output.indexOf('\n')) >= 0) {
        const line = this.output.slice(0, newline);
        this.output = this.output.slice(newline + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ level: 'raw', message: line });
        }
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    // 'close' comes after the output pipes are drained, so the logs are whole by the time a test reads them.
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  static start(app: AppName, env: Record<string, string>): AppProcess {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(ROOT, 'apps', app, 'src', 'main.ts')],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          COMMAND_API_HTTP_PORT: '0',
          PROJECTOR_HTTP_PORT: '0',
          HTTP_HOST: '127.0.0.1',
          ...(app === 'command-api' ? keyVaultTestEnv(env) : {}),
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new AppProcess(child);
  }

  /** Resolves with the HTTP port once the app logs that it started; rejects if it exits first. */
  async started(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | null | undefined;
    void this.exited.then((code) => (exitCode = code));
    for (;;) {
      const started = this.logs.find(
        (line) => typeof line.message === 'object' && line.message !== null && 'httpPort' in line.message,
      );
      if (started) return (started.message as { httpPort: number }).httpPort;
      if (exitCode !== undefined) throw new Error(`exited with ${exitCode}: ${this.describeLogs()}`);
      if (Date.now() > deadline) throw new Error(`did not start in time: ${this.describeLogs()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Best effort for test teardown: SIGKILL if still running. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  describeLogs(): string {
    return this.logs.map((line) => JSON.stringify(line)).join('\n');
  }
}

export async function getJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.json() };
}

/**
 * Polls /health until `accept` holds (apps connect to their dependencies in the background, so right after
 * start-up a dependency can still be reported down), or for about 10 s; returns the last answer.
 */
export async function healthWhen(
  port: number,
  accept: (health: { status: number; body: unknown }) => boolean,
): Promise<{ status: number; body: unknown }> {
  let health = await getJson(port, '/health');
  for (let tries = 0; !accept(health) && tries < 400; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    health = await getJson(port, '/health');
  }
  return health;
}
