/** What the certm3 projection specs share: an instant on the spec day, by a given actor, and users to act on. */
export const at = (actorId: string, time: string) => ({ actorId, occurredAt: `2026-11-29T${time}.000Z` });

/** UserRegistered events for `userIds`, named u0, u1, … (the rows other tables' foreign keys need). */
export const usersRegistered = (...userIds: string[]) =>
  userIds.map((userId, index) => ({
    type: 'UserRegistered',
    data: {
      userId,
      username: `u${index}`,
      email: `u${index}@example.com`,
      passwordHash: 'h',
      registration: 'standard',
    },
  }));

/** What RegisterCertificate reads out of a certificate, for specs that need only some certificate. */
export const certificateFacts = {
  certificateData: '-----BEGIN CERTIFICATE-----\nMII…\n-----END CERTIFICATE-----\n',
  serialNumber: '01',
  subject: 'CN=owner',
  issuer: 'CN=ca',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2027-01-01T00:00:00.000Z',
  fingerprintSha256: 'AA',
};
