// Integration tests run against the machine's real PostgreSQL and NATS. Fail fast, naming what is missing,
// rather than letting every test time out.
const net = require('node:net');

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

module.exports = async () => {
  const pg = new URL(process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  const nats = new URL(process.env.TEST_NATS_URL || 'nats://127.0.0.1:4222');
  const missing = [];
  if (!(await reachable(pg.hostname, Number(pg.port || 5432)))) missing.push(`PostgreSQL at ${pg.host}`);
  if (!(await reachable(nats.hostname, Number(nats.port || 4222)))) missing.push(`NATS at ${nats.host}`);
  if (missing.length) {
    throw new Error(`integration tests need ${missing.join(' and ')}; run 'bash scripts/ensure-services.sh'`);
  }
};
