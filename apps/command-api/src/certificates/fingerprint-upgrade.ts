import { Inject, Injectable, Logger } from '@nestjs/common';
import { describeError } from '@certm3/common';
import { certificateFingerprintReservation, streamIds, SYSTEM_ACTOR_ID } from '@certm3/domain';
import { defineCommand } from '@certm3/contracts';
import { EVENT_STORE } from '@certm3/app-runtime';
import { collect, EventStore, StreamNotFoundError } from '@certm3/event-store';
import { CommandDefinition } from '../execution/command-definition';
import { CommandExecutor } from '../execution/command-executor';
import { runInternalCommand } from '../execution/run-internal-command';
import { StreamSession } from '../execution/stream-session';

/**
 * Not a command of the bus: the command API runs it at start on a log written before certificates'
 * fingerprints were reserved, so that a PEM registered then cannot be registered again now. Where an old log
 * holds one certificate several times (one PEM was registered 372 times), the first registered holds the
 * fingerprint and the others inherit it in turn.
 */
export const RESERVE_CERTIFICATE_FINGERPRINTS = defineCommand({
  name: 'ReserveCertificateFingerprints',
  summary: 'Reserves the fingerprints of certificates registered before fingerprints were reserved.',
  actor: 'none',
  permission: {
    unauthenticated: 'run by the command API itself at start, as the system actor; never over NATS',
  },
  body: {},
  refusals: [],
});

interface FingerprintsInput {
  /** Certificate ids sharing each fingerprint, in the order they were registered. */
  readonly groups: readonly (readonly [fingerprint: string, certificateIds: readonly string[]])[];
  /** With the last batch: the marker, appended with "no stream" expected. */
  readonly finish?: { readonly certificates: number; readonly fingerprints: number };
}

export const reserveCertificateFingerprintsDefinition = {
  contract: RESERVE_CERTIFICATE_FINGERPRINTS,
  actingUser: () => SYSTEM_ACTOR_ID,
  prepare: ({ body }: { body: FingerprintsInput }) => body,
  reads: ({ prepared }: { prepared: FingerprintsInput }) => [
    ...prepared.groups.map(([fingerprint]) => streamIds.certificateFingerprint(fingerprint)),
    ...(prepared.finish ? [streamIds.certificateFingerprintsUpgrade()] : []),
  ],
  decide: async ({ prepared, session }: { prepared: FingerprintsInput; session: StreamSession }) => {
    for (const [fingerprint, ownerIds] of prepared.groups) {
      const reservation = await session.load(
        streamIds.certificateFingerprint(fingerprint),
        certificateFingerprintReservation,
      );
      session.append(
        reservation,
        certificateFingerprintReservation.decide(
          { type: 'ReserveShared', ownerIds, now: session.now },
          reservation.state,
        ),
      );
    }
    if (prepared.finish) {
      const marker = await session.load(streamIds.certificateFingerprintsUpgrade(), {
        initialState: false,
        evolve: () => true,
      });
      if (!marker.state)
        session.append(marker, [{ type: 'CertificateFingerprintsReserved', data: prepared.finish }]);
    }
    return { id: SYSTEM_ACTOR_ID, revision: 0 };
  },
} as unknown as CommandDefinition;

const BATCH = 500;

@Injectable()
export class CertificateFingerprintUpgrade {
  private readonly logger = new Logger('CertificateFingerprintUpgrade');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly executor: CommandExecutor,
  ) {}

  /** Before the instance serves: once per log, then a read of the marker at every start. */
  async ensure(): Promise<void> {
    try {
      if (await this.done()) return;
      const owners = new Map<string, string[]>();
      let certificates = 0;
      for await (const event of this.store.readAll()) {
        if (event.type !== 'CertificateRegistered' && event.type !== 'CertificateIssued') continue;
        const data = event.data as { certificateId: string; fingerprintSha256: string };
        const key = data.fingerprintSha256.replace(/:/g, '').toLowerCase();
        owners.set(key, [...(owners.get(key) ?? []), data.certificateId]);
        certificates += 1;
      }
      const groups = [...owners];
      for (let start = 0; start === 0 || start < groups.length; start += BATCH) {
        const last = start + BATCH >= groups.length;
        await this.run({
          groups: groups.slice(start, start + BATCH),
          ...(last ? { finish: { certificates, fingerprints: groups.length } } : {}),
        });
      }
      if (certificates > 0)
        this.logger.log({
          message: 'fingerprints reserved for the certificates of a log written before they were',
          certificates,
          fingerprints: groups.length,
        });
    } catch (error) {
      // Registrations still work; a PEM registered before the upgrade could be registered again until it runs.
      this.logger.error({ message: 'certificate fingerprint upgrade failed', error: describeError(error) });
    }
  }

  private async done(): Promise<boolean> {
    try {
      return (await collect(this.store.readStream(streamIds.certificateFingerprintsUpgrade()))).length > 0;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return false;
      throw error;
    }
  }

  private async run(body: FingerprintsInput): Promise<void> {
    await runInternalCommand(this.executor, reserveCertificateFingerprintsDefinition, body);
  }
}
