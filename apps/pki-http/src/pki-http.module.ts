import { randomUUID } from 'node:crypto';
import {
  DynamicModule,
  Inject,
  Injectable,
  Module,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  EVENT_STORE_HEALTH,
  EventStoreModule,
  HealthController,
  HealthIndicator,
  HEALTH_INDICATORS,
  NATS_HEALTH,
  NatsModule,
  RetryingConnection,
  KEY_VAULT,
  KEY_VAULT_HEALTH,
  KeyVaultModule,
} from '@certm3/app-runtime';
import { KeyVault } from '@certm3/key-vault';
import { AuthorityKeys } from './authorities/authority-keys';
import { CrlPublisher } from './crl/crl-publisher';
import { PkiRoutes } from './http/pki-routes';
import { CERTIFICATE_LEDGER, LedgerFeed } from './ledger/ledger-feed';
import { CertificateLedger } from './ledger/certificate-ledger';
import { PkiMetrics, PkiMetricsController } from './metrics/pki-metrics';
import { CrlNatsListener, PKI_SUBJECT_PREFIX } from './nats/crl-listener';
import { OcspResponder } from './ocsp/ocsp-responder';
import { ResponderSigners } from './ocsp/responder-signers';
import { PkiHttpSettings } from './pki-http.settings';
import { PkiStore } from './store/pki-store';

const PKI_STORE = Symbol('PKI_STORE');
const PKI_STORE_NOW = Symbol('PKI_STORE_NOW');
const PKI_HEALTH = Symbol('PKI_HEALTH');
const LEDGER_HEALTH = Symbol('LEDGER_HEALTH');

/** The connected dependency, or an error saying why there is none (the caller retries or reports it). */
function connected<T>(connection: RetryingConnection<T>): T {
  if (!connection.current) throw new Error(connection.describeUnavailability());
  return connection.current;
}

/** Puts the PKI routes in front of Express on the HTTP server Nest made, before it listens. */
@Injectable()
class PkiHttpServer implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly routes: PkiRoutes,
  ) {}

  onModuleInit(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as import('node:http').Server | undefined;
    if (!server) return; // no HTTP server (an application context in a test)
    const others = server.listeners('request') as ((...args: unknown[]) => void)[];
    server.removeAllListeners('request');
    server.on('request', (request, response) => {
      if (!this.routes.handle(request, response)) for (const listener of others) listener(request, response);
    });
  }
}

class Connections implements OnApplicationShutdown {
  constructor(@Inject(PKI_STORE) private readonly store: RetryingConnection<PkiStore>) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close((store) => store.close());
  }
}

/**
 * The public PKI read side (docs/pki-http.md): the ledger fed from the log, the CRL publisher and the OCSP
 * responder over it, the routes on HTTP and the CRL on NATS, health and metrics. The key vault and the
 * pki database are connected in the background with backoff, like the event store and NATS.
 */
@Module({})
export class PkiHttpModule {
  static forSettings(
    settings: PkiHttpSettings,
    onWrongMasterKey: () => void = () => process.exit(2),
  ): DynamicModule {
    const instanceId = randomUUID();
    const ledger = new CertificateLedger();
    return {
      module: PkiHttpModule,
      imports: [
        EventStoreModule.forRoot({ url: settings.EVENT_STORE_URL, poolSize: 4 }),
        KeyVaultModule.forRoot(settings, onWrongMasterKey, 'the CAs’ keys sign CRLs and responders'),
        NatsModule.forRoot({
          url: settings.NATS_URL,
          user: settings.NATS_USER,
          password: settings.NATS_PASSWORD,
          token: settings.NATS_TOKEN,
          connectionName: 'certm3-pki-http',
        }),
      ],
      controllers: [HealthController, PkiMetricsController],
      providers: [
        { provide: CERTIFICATE_LEDGER, useValue: ledger },
        { provide: PKI_SUBJECT_PREFIX, useValue: settings.NATS_SUBJECT_PREFIX },
        {
          provide: PKI_STORE,
          useFactory: () =>
            new RetryingConnection<PkiStore>('pki database', () =>
              PkiStore.open(settings.PKI_DATABASE_URL),
            ).start(),
        },
        {
          provide: AuthorityKeys,
          inject: [KEY_VAULT],
          useFactory: (vault: RetryingConnection<KeyVault>) => new AuthorityKeys(() => connected(vault)),
        },
        {
          // What the CRL publisher and the responders record with: the pki database, or why it is not there.
          provide: PKI_STORE_NOW,
          inject: [PKI_STORE],
          useFactory: (store: RetryingConnection<PkiStore>) => () => connected(store),
        },
        {
          provide: CrlPublisher,
          inject: [PKI_STORE_NOW, AuthorityKeys, PkiMetrics, LedgerFeed],
          useFactory: (store: () => PkiStore, keys: AuthorityKeys, metrics: PkiMetrics, feed: LedgerFeed) => {
            const validityHours = settings.CRL_VALIDITY_HOURS;
            const publisher = new CrlPublisher(ledger, { validityHours, instanceId, keys, store }, metrics);
            feed.listen(publisher);
            return publisher;
          },
        },
        {
          provide: OcspResponder,
          inject: [PKI_STORE_NOW, AuthorityKeys, PkiMetrics, LedgerFeed],
          useFactory: (store: () => PkiStore, keys: AuthorityKeys, metrics: PkiMetrics, feed: LedgerFeed) => {
            const validityHours = settings.OCSP_RESPONDER_VALIDITY_HOURS;
            const signers = new ResponderSigners({
              signer: settings.OCSP_SIGNER,
              validityHours,
              instanceId,
              keys,
              store,
            });
            const responder = new OcspResponder(
              ledger,
              signers,
              settings.OCSP_RESPONSE_VALIDITY_MINUTES,
              metrics,
            );
            feed.listen(responder);
            return responder;
          },
        },
        {
          provide: PkiRoutes,
          inject: [CrlPublisher, OcspResponder],
          useFactory: (crls: CrlPublisher, ocsp: OcspResponder) =>
            new PkiRoutes(settings.PKI_BASE_URL, ledger, crls, ocsp),
        },
        {
          provide: PKI_HEALTH,
          inject: [KEY_VAULT_HEALTH, PKI_STORE],
          useFactory: (vault: HealthIndicator, store: RetryingConnection<PkiStore>): HealthIndicator[] => [
            vault,
            {
              name: 'pkiDatabase',
              check: async () => {
                await connected(store).pool.query('SELECT 1');
              },
            },
          ],
        },
        {
          // Ready means it serves what the log says: caught up, a current CRL for every authority, NATS listening.
          provide: LEDGER_HEALTH,
          inject: [LedgerFeed, CrlPublisher, CrlNatsListener],
          useFactory: (feed: LedgerFeed, crls: CrlPublisher, listener: CrlNatsListener): HealthIndicator => ({
            name: 'revocation',
            check: async () => {
              if (!feed.caughtUp) throw new Error('catching up with the log');
              const missing = crls.missing();
              if (missing.length > 0) throw new Error(`no current CRL yet for ${missing.join(', ')}`);
              if (!listener.listening) throw new Error('not listening on NATS yet');
              return {
                authorities: ledger.authorities.size,
                certificates: ledger.certificates(),
                catchUpMs: feed.catchUpMs,
              };
            },
          }),
        },
        {
          provide: HEALTH_INDICATORS,
          inject: [EVENT_STORE_HEALTH, NATS_HEALTH, PKI_HEALTH, LEDGER_HEALTH],
          useFactory: (...indicators: (HealthIndicator | HealthIndicator[])[]) => indicators.flat(),
        },
        LedgerFeed,
        PkiMetrics,
        CrlNatsListener,
        PkiHttpServer,
        Connections,
      ],
    };
  }
}
