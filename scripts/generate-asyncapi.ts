// npm run docs:asyncapi — writes docs/asyncapi.yaml from the command contracts (libs/contracts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asyncApiDocumentText } from '../apps/command-api/src/asyncapi-document';

writeFileSync(join(__dirname, '..', 'docs', 'asyncapi.yaml'), asyncApiDocumentText());
process.stdout.write('docs/asyncapi.yaml written from the contracts\n');
