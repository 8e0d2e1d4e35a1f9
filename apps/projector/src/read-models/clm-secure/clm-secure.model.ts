import { EVENT_TYPES } from '@certm3/domain';
import { defineReadModel } from '../kit';

/**
 * The CLM platform's database of cryptographic material of seed 001 (clm_secure_db). No tables yet: the
 * certificate-authority issue adds its seven (keys, certificates, private keys, requests, revocations, key
 * rotations, the secure audit log). It exists from now on, restricted: only the projector's role and
 * clm_secure_reader (NOLOGIN, CONNECT only) may use it; PUBLIC may not connect, create temporary tables or
 * create in schema public.
 */
export const clmSecureModel = defineReadModel({
  name: 'clm_secure',
  database: {
    setting: 'CLM_SECURE_DATABASE_URL',
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/clm_secure_db',
  },
  readerRole: 'clm_secure_reader',
  restrictedDatabase: true,
  projections: [],
  ignores: EVENT_TYPES,
  projectionVersion: 1,
});
