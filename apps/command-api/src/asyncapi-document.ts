import { stringify } from 'yaml';
import { asyncApiDocument } from '@certm3/contracts';

/** docs/asyncapi.yaml as generated from the contracts (its header says not to edit it by hand). */
export function asyncApiDocumentText(): string {
  return [
    '# The certm3 command contract, generated from libs/contracts by `npm run docs:asyncapi`. Do not edit:',
    '# apps/command-api/src/asyncapi.unit.spec.ts fails when this file differs from the contracts.',
    stringify(asyncApiDocument(), { lineWidth: 0 }),
  ].join('\n');
}
