import { randomUUID } from 'node:crypto';
import { projectionSpec } from '@certm3/projection/testing/projection-spec';
import { clmSecureModel } from '../clm-secure.model';
import { revocationIdOf } from './certificate-revocations.projection';
import { at, registered, stamp } from './spec-events.fixture';

describe('clm_secure certificate_revocations projection', () => {
  const [admin, operator, owner] = [randomUUID(), randomUUID(), randomUUID()];
  const spec = projectionSpec(clmSecureModel, { metadata: at(admin, '03:00:00') });
  const certificateId = randomUUID();
  /** An event of the current schema at `time`, by `actor`, with an id its row's id is derived from. */
  const current = (type: string, data: object, time: string, actor = admin) => ({
    id: randomUUID(),
    type,
    data: { certificateId, ...data },
    metadata: { ...at(actor, time), schemaVersion: 2 },
  });
  const held = (time: string, data: object = {}) =>
    current('CertificateSuspended', { ...data, suspendedAt: `2026-11-29T${time}.000Z` }, time);
  const released = (time: string, actor = operator) =>
    current('CertificateHoldReleased', { releasedAt: `2026-11-29T${time}.000Z` }, time, actor);

  it('writes a row per revocation, with its RFC 5280 reason and code, time, actor, comment and invalidity date', () => {
    const revoked = current(
      'CertificateRevoked',
      {
        reason: 'keyCompromise',
        comment: 'laptop lost',
        invalidityDate: '2026-11-28T22:00:00.000Z',
        revokedAt: '2026-11-29T05:00:00.000Z',
      },
      '05:00:00',
    );
    return spec.given(registered(certificateId, owner), revoked).then({
      certificate_revocations: [
        {
          id: revocationIdOf(revoked.id),
          certificate_id: certificateId,
          revocation_reason: 'keyCompromise',
          crl_reason_code: 1,
          revoked_at: stamp('05:00:00'),
          revoked_by: admin,
          comment: 'laptop lost',
          invalidity_date: '2026-11-28T22:00:00+00:00',
          released_at: null,
          released_by: null,
          created_at: stamp('05:00:00'),
          updated_at: stamp('05:00:00'),
        },
      ],
    });
  });

  // Regression: the release before #15 wrote CertificateRevoked without revokedAt (schema 1).
  it('dates a schema-1 revocation, which has no revokedAt, by its event’s occurredAt', () => {
    const revoked = {
      id: randomUUID(),
      type: 'CertificateRevoked',
      data: { certificateId, reason: 'superseded' },
      metadata: { ...at(admin, '04:30:00'), schemaVersion: 1 },
    };
    return spec.given(registered(certificateId, owner), revoked).then({
      certificate_revocations: [
        {
          id: revocationIdOf(revoked.id),
          revocation_reason: 'superseded',
          crl_reason_code: 4,
          revoked_at: stamp('04:30:00'),
          comment: null,
          invalidity_date: null,
        },
      ],
      certificates: [
        {
          id: certificateId,
          status: 'revoked',
          revoked_at: stamp('04:30:00'),
          revocation_reason: 'superseded',
        },
      ],
    });
  });

  it('writes a hold as certificateHold (code 6), closes it on release, and a later hold or revocation is a row of its own', () => {
    const first = held('04:00:00', { comment: 'under review', invalidityDate: '2026-11-29T03:30:00.000Z' });
    const second = held('06:00:00');
    const revoked = current(
      'CertificateRevoked',
      { reason: 'keyCompromise', revokedAt: '2026-11-29T07:00:00.000Z' },
      '07:00:00',
    );
    return spec.given(registered(certificateId, owner), first, released('05:00:00'), second, revoked).then({
      certificate_revocations: [
        {
          id: revocationIdOf(first.id),
          revocation_reason: 'certificateHold',
          crl_reason_code: 6,
          revoked_at: stamp('04:00:00'),
          revoked_by: admin,
          comment: 'under review',
          invalidity_date: '2026-11-29T03:30:00+00:00',
          released_at: stamp('05:00:00'),
          released_by: operator,
          created_at: stamp('04:00:00'),
          updated_at: stamp('05:00:00'),
        },
        // Revoked while held: the hold ended in the revocation, not a release.
        {
          id: revocationIdOf(second.id),
          revocation_reason: 'certificateHold',
          revoked_at: stamp('06:00:00'),
          released_at: null,
          released_by: null,
        },
        { id: revocationIdOf(revoked.id), revocation_reason: 'keyCompromise', crl_reason_code: 1 },
      ],
    });
  });

  // The certificate is not suspended any more: its own row refuses first.
  it('halts on a release with no open hold', () =>
    spec
      .given(registered(certificateId, owner), held('04:00:00'), released('05:00:00'), released('06:00:00'))
      .thenFails(
        /cannot apply event CertificateHoldReleased .*suspended certificates row id=.*expected to change 1 row, changed 0/,
      ));

  it('halts on a revocation of a certificate it has never seen', () =>
    spec
      .given(
        current(
          'CertificateRevoked',
          { reason: 'superseded', revokedAt: '2026-11-29T05:00:00.000Z' },
          '05:00:00',
        ),
      )
      .thenFails(/cannot apply event CertificateRevoked/));

  it('derives each row’s id from its event’s id, the same on every rebuild', () => {
    const eventId = randomUUID();
    expect(revocationIdOf(eventId)).toBe(revocationIdOf(eventId.toUpperCase()));
    expect(revocationIdOf(eventId)).not.toBe(eventId);
    expect(revocationIdOf(eventId)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
