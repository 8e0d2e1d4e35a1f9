#!/usr/bin/env node
// Runs both certm3 apps from the build, as one service: their JSON logs go to this terminal, SIGTERM or
// Ctrl-C stops both cleanly, and if either dies the other is stopped too and the exit code says so.
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
const apps = {
  'command-api': join(root, 'dist/apps/command-api/apps/command-api/src/main.js'),
  projector: join(root, 'dist/apps/projector/apps/projector/src/main.js'),
};

const children = Object.entries(apps).map(([name, entry]) => {
  const child = spawn(process.execPath, [entry], { stdio: 'inherit', env: process.env });
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
