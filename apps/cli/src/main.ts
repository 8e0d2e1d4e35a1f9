import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { errorMessage, exitAfterOutput } from '@certm3/common';
import { connect, headers as natsHeaders } from 'nats';
import {
  COMMAND_NAMES,
  COMMANDS,
  commandSubject,
  DEFAULT_SUBJECT_PREFIX,
  HEADERS,
  isCommandName,
} from '@certm3/contracts';
import { ConfigurationError, loadConfig } from '@certm3/app-runtime';
import { CliSettings } from './cli.settings';
import { describeCommand } from './describe-command';

const USAGE = `certm3 command-line client: sends one command over NATS and prints the reply.

  npm run cli -- <CommandName> '<json body>' [options]
  npm run cli -- bootstrap --username <name> --email <address> [--password <password>]
  npm run cli -- commands                  every command, one line each
  npm run cli -- <CommandName> --help      its permission, body fields and their rules (from its contract)

options:
  --actor <uuid>           actor-id header (required for every command but bootstrap; or CERTM3_ACTOR_ID)
  --command-id <uuid>      idempotency key (default: a new UUID; reuse it to retry safely)
  --correlation-id <uuid>  correlation-id header
  --nats <url>             NATS server (default: NATS_URL or nats://127.0.0.1:4222); credentials come from
                           NATS_USER and NATS_PASSWORD, or NATS_TOKEN, as for the command API
  --prefix <subject>       subject prefix (default: NATS_SUBJECT_PREFIX or ${DEFAULT_SUBJECT_PREFIX})
  --timeout <ms>           how long to wait for the reply (default 10000)

bootstrap reads the password from --password or, better (it stays out of shell history), CERTM3_PASSWORD.
Exit code: 0 when the reply is ok, 1 when it is an error, 2 on bad usage or no reply.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      actor: { type: 'string' },
      'command-id': { type: 'string' },
      'correlation-id': { type: 'string' },
      nats: { type: 'string' },
      prefix: { type: 'string' },
      timeout: { type: 'string' },
      username: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [first] = positionals;
  if (first === 'commands') {
    const width = Math.max(...COMMAND_NAMES.map((name) => name.length)) + 1;
    for (const name of COMMAND_NAMES)
      process.stdout.write(`${name.padEnd(width)} ${COMMANDS[name].summary}\n`);
    return 0;
  }
  if (values.help && first && isCommandName(first)) {
    process.stdout.write(`${describeCommand(first)}\n`);
    return 0;
  }
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (first !== 'bootstrap' && !isCommandName(first)) {
    process.stderr.write(`no command named "${first}"; npm run cli -- commands lists them\n`);
    return 2;
  }

  let settings: CliSettings;
  try {
    settings = loadConfig(CliSettings, process.env);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }

  let name = positionals[0];
  let body: unknown;
  if (name === 'bootstrap') {
    name = 'BootstrapAdministrator';
    const password = values.password ?? settings.CERTM3_PASSWORD;
    if (!values.username || !values.email || !password) {
      process.stderr.write(
        'bootstrap needs --username, --email and a password (--password or CERTM3_PASSWORD)\n',
      );
      return 2;
    }
    body = { username: values.username, email: values.email, password };
  } else {
    try {
      body = JSON.parse(positionals[1] ?? '{}');
    } catch (error) {
      // Not echoed: a body may hold a password (regression: it was printed back, password and all).
      process.stderr.write(`the body is not JSON: ${errorMessage(error)}\n`);
      return 2;
    }
  }

  const connection = await connect({
    servers: values.nats ?? settings.NATS_URL,
    user: settings.NATS_USER,
    pass: settings.NATS_PASSWORD,
    token: settings.NATS_TOKEN,
  });
  try {
    const headers = natsHeaders();
    headers.set(HEADERS.commandId, values['command-id'] ?? randomUUID());
    const actor = values.actor ?? settings.CERTM3_ACTOR_ID;
    if (actor && name !== 'BootstrapAdministrator') headers.set(HEADERS.actorId, actor);
    if (values['correlation-id']) headers.set(HEADERS.correlationId, values['correlation-id']);
    const subject = commandSubject(name, values.prefix ?? settings.NATS_SUBJECT_PREFIX);
    const response = await connection.request(subject, Buffer.from(JSON.stringify(body)), {
      headers,
      timeout: Number(values.timeout ?? 10_000),
    });
    const reply = JSON.parse(Buffer.from(response.data).toString('utf8')) as { ok: boolean };
    process.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
    return reply.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`no reply: ${errorMessage(error)}\n`);
    return 2;
  } finally {
    await connection.close();
  }
}

main(process.argv.slice(2)).then(exitAfterOutput, (error: unknown) => {
  process.stderr.write(`${errorMessage(error)}\n`);
  exitAfterOutput(2);
});
