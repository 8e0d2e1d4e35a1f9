#!/usr/bin/env node
// The audit tool as an installed command (`npm install -g .` or `npx certm3-audit`); needs `npm run build`.
require('../dist/apps/audit/apps/audit/src/main.js');
