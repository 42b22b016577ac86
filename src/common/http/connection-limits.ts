import { Server } from 'node:http';
import { Socket } from 'node:net';
import { Counter, Registry } from 'prom-client';
import { clientAddressKey } from '../net/client-address';
import { refuseOnSocket } from './framework-errors';

/**
 * At most `max` open connections per client address (IPv6: per /64): a connection beyond it is
 * answered 429 `too_many_connections` at once and closed, so one client holding connections
 * open (slowly sending a body, say) cannot take every socket the process has. Counted on the
 * peer address: behind a proxy that is the proxy's, where the proxy should cap per client.
 */
export function limitConnectionsPerAddress(server: Server, max: number, registry: Registry): void {
  if (max <= 0) return;
  const refused = new Counter({
    name: 'paygate_connections_refused_total',
    help: 'Connections refused because their address already held MAX_CONNECTIONS_PER_ADDRESS',
    registers: [registry],
  });
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = clientAddressKey(socket.remoteAddress);
    const count = open.get(address) ?? 0;
    if (count >= max) {
      refused.inc();
      refuseOnSocket(
        socket,
        'too_many_connections',
        { limit: max },
        {
          'retry-after': '1',
          'ratelimit-limit': String(max),
          'ratelimit-remaining': '0',
          'ratelimit-reset': '1',
        },
      );
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
