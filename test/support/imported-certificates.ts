import { randomUUID } from 'node:crypto';
import { EventToAppend } from '@certm3/event-store';

/**
 * A certificate imported into the log as RegisterCertificate writes it (its own stream, "no stream"
 * expected), appended straight to a store: thousands of them in seconds, for the lifecycle process's specs
 * and the benchmark. The PEM is a placeholder: nothing that reads these parses it.
 */
export function importedCertificateAppend(options: { ownerId: string; notBefore: string; notAfter: string }) {
  const certificateId = randomUUID();
  const event: EventToAppend = {
    id: randomUUID(),
    type: 'CertificateRegistered',
    data: {
      certificateId,
      userId: options.ownerId,
      certificateData:
        '-----BEGIN CERTIFICATE-----\n(a placeholder: never parsed)\n-----END CERTIFICATE-----\n',
      serialNumber: certificateId.replace(/-/g, ''),
      subject: `CN=${certificateId}.example.com`,
      issuer: 'CN=Outside CA',
      notBefore: options.notBefore,
      notAfter: options.notAfter,
      fingerprintSha256: certificateId,
      commonName: `${certificateId}.example.com`,
    },
    metadata: {
      eventId: randomUUID(),
      commandId: randomUUID(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      actorId: options.ownerId,
      occurredAt: new Date().toISOString(),
      schemaVersion: 1,
    },
  };
  return {
    streamId: `certificate-${certificateId}`,
    events: [event],
    expectedRevision: 'no_stream' as const,
  };
}
