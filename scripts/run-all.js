#!/usr/bin/env node
// Runs the certm3 apps from the build, as one service: their JSON logs go to this terminal, SIGTERM or
// Ctrl-C stops them all cleanly, and if one dies the others are stopped too and the exit code says so.
const { spawn } = require('node:child_process');
const { join } = require('node:path');
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const { randomBytes } = require('node:crypto');

const root = join(__dirname, '..');
const apps = {
  'command-api': join(root, 'dist/apps/command-api/apps/command-api/src/main.js'),
  projector: join(root, 'dist/apps/projector/apps/projector/src/main.js'),
  'pki-http': join(root, 'dist/apps/pki-http/apps/pki-http/src/main.js'),
};

/**
 * The master key (docs/key-hierarchy.md). On a fresh machine with neither CERTM3_MASTER_KEY nor
 * CERTM3_MASTER_KEY_FILE set, one is created in .certm3/master.key, readable by its owner only, and used
 * from then on: keep that file (and a copy somewhere safe) — without it nothing the vault sealed opens again.
 */
function masterKeyEnv() {
  if (process.env.CERTM3_MASTER_KEY || process.env.CERTM3_MASTER_KEY_FILE) return {};
  const dir = join(root, '.certm3');
  const file = join(dir, 'master.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    console.log(
      JSON.stringify({
        level: 'warn',
        message: `created a master key in ${file} (mode 600); keep it and back it up: the key vault cannot be opened without it`,
      }),
    );
  }
  return { CERTM3_MASTER_KEY_FILE: file };
}

const env = { ...process.env, ...masterKeyEnv() };
const children = Object.entries(apps).map(([name, entry]) => {
  const child = spawn(process.execPath, [entry], { stdio: 'inherit', env });
  child.appName = name;
  return child;
});

let stopping = false;
let exitCode = 0;
function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill(signal);
}

for (const child of children) {
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(JSON.stringify({ level: 'error', message: `${child.appName} exited`, code, signal }));
      exitCode = code || 1;
      stopAll('SIGTERM');
    }
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  });
}
process.on('SIGTERM', () => stopAll('SIGTERM'));
process.on('SIGINT', () => stopAll('SIGINT'));
