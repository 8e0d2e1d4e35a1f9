import 'reflect-metadata';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { errorMessage, exitAfterOutput } from '@certm3/common';
import { ConfigurationError, loadConfig } from '@certm3/app-runtime';
import { AuditSettings } from './audit.settings';
import { exportLog, history, isEntityKind, stateAt, verifyLog, ENTITY_KINDS } from '@certm3/audit';
import { createEventStore, EventStore, ReadAllUnsettledError } from '@certm3/event-store';

const USAGE = `certm3 audit: read the event log itself, not the read tables.

  npm run audit -- history <kind> <id> [--json]          every event of an entity, in order
  npm run audit -- state-at <kind> <id> <ISO instant>    the entity as it was then (JSON)
  npm run audit -- export [--from ISO] [--to ISO] [--type T]...   the log as JSON Lines on stdout
  npm run audit -- verify                                 check the hash chains; name the first broken link

kinds: ${Object.keys(ENTITY_KINDS).join(', ')} (a group's id is its name)
The event store is EVENT_STORE_URL's (default: the local PostgreSQL certm3_events).
Exit codes: 0 ok, 1 verify found a broken link, 2 bad usage or failure, 3 export stopped short of the
log's end (a transaction older than the export stayed open longer than AUDIT_SETTLE_MS, default 5000):
what it wrote is a correct prefix; export again once that transaction has ended. Secrets are always
redacted.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      type: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [verb, kind, id, instant] = positionals;
  if (values.help || !verb) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const fail = (message: string) => {
    process.stderr.write(`${message}\n`);
    return 2;
  };
  if ((verb === 'history' || verb === 'state-at') && (!kind || !isEntityKind(kind) || !id)) {
    return fail(`${verb} needs a kind (${Object.keys(ENTITY_KINDS).join(', ')}) and an id`);
  }
  const parseInstant = (text: string | undefined, what: string) => {
    if (text === undefined) return undefined;
    const time = Date.parse(text);
    if (Number.isNaN(time)) throw new UsageError(`${what} is not an ISO-8601 instant: ${text}`);
    return new Date(time);
  };

  let store: EventStore | undefined;
  try {
    const settings = loadSettings();
    store = await createEventStore({
      url: settings.EVENT_STORE_URL,
      readAllSettleMs: settings.AUDIT_SETTLE_MS,
    });
    switch (verb) {
      case 'history': {
        const entries = await history(store, kind as keyof typeof ENTITY_KINDS, id);
        if (values.json) process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        else {
          for (const entry of entries) {
            process.stdout.write(
              `${entry.occurredAt}  #${entry.revision}  ${entry.summary}\n    actor ${entry.actorId}  command ${entry.commandId}  correlation ${entry.correlationId}\n`,
            );
          }
          if (entries.length === 0) process.stdout.write(`no events for ${kind} ${id}\n`);
        }
        return 0;
      }
      case 'state-at': {
        const at = parseInstant(instant, 'the instant');
        if (!at) return fail('state-at needs an ISO-8601 instant');
        process.stdout.write(
          `${JSON.stringify(await stateAt(store, kind as keyof typeof ENTITY_KINDS, id, at), null, 2)}\n`,
        );
        return 0;
      }
      case 'export': {
        const started = Date.now();
        let examinedSoFar = 0;
        const result = await exportLog(
          store,
          {
            from: parseInstant(values.from, '--from'),
            to: parseInstant(values.to, '--to'),
            types: values.type,
          },
          async (line) => {
            if (!process.stdout.write(line)) await once(process.stdout, 'drain');
          },
          (exported, examined) => {
            examinedSoFar = examined;
            process.stderr.write(`export: ${examined} events examined, ${exported} exported\n`);
          },
        ).catch((error: unknown) => {
          if (!(error instanceof ReadAllUnsettledError)) throw error;
          process.stderr.write(
            `export: INCOMPLETE (after at least ${examinedSoFar} events): ${error.message}. ` +
              'The lines written are a correct prefix of the log; export again once that transaction has ended ' +
              '(pg_stat_activity shows it).\n',
          );
          return undefined;
        });
        if (!result) return 3;
        const seconds = (Date.now() - started) / 1000;
        process.stderr.write(
          `export: done, ${result.exported} of ${result.examined} events in ${seconds.toFixed(1)} s` +
            (settings.CERTM3_AUDIT_REPORT_MEMORY === '1'
              ? `; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`
              : '') +
            '\n',
        );
        return 0;
      }
      case 'verify': {
        const report = await verifyLog(store.readAll({ whenUnsettled: 'fail' }), (checked) =>
          process.stderr.write(`verify: ${checked} events checked\n`),
        );
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return report.ok ? 0 : 1;
      }
      default:
        return fail(`unknown verb "${verb}"\n\n${USAGE}`);
    }
  } catch (error) {
    return fail(errorMessage(error));
  } finally {
    await store?.close();
  }
}

class UsageError extends Error {}

/** The validated environment; a malformed setting is a usage error naming the variable and its rule. */
function loadSettings(): AuditSettings {
  try {
    return loadConfig(AuditSettings, process.env);
  } catch (error) {
    if (error instanceof ConfigurationError)
      throw new UsageError(
        error.problems.map(({ variable, problem }) => `${variable} ${problem}`).join('; '),
      );
    throw error;
  }
}

main(process.argv.slice(2)).then(exitAfterOutput);
