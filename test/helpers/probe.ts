/**
 * A tiny discovery-shaped probe, run inside lab nodes, showing what Skein's
 * discovery relies on: IPv6 link-local multicast out of one interface, and a
 * TCP connection back to the sender's `fe80::…%iface` address.
 *
 *   probe.ts answer --iface IF [--iface IF2 …] [--group G] [--port P]
 *     joins G on each interface and, for every hello heard, connects back
 *     over TCP to the sender (address from the datagram, scope included) and
 *     writes the hello's token. Prints JSON lines: ready, heard, answered.
 *
 *   probe.ts ask --iface IF [--group G] [--port P] [--timeout MS]
 *     listens on TCP, multicasts a hello {token, port} every 100 ms out of IF,
 *     and exits 0 when a connection brings the token back (printing who and
 *     how long it took), or 1 at the deadline. Send errors while a link is
 *     down (ENETUNREACH, EADDRNOTAVAIL) are counted, not fatal.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, connect } from 'node:net';
import { randomBytes } from 'node:crypto';

const PROBE_GROUP = 'ff02::736b:6e31';
const PROBE_PORT = 47_655;
const HELLO_INTERVAL_MS = 100;
const DEFAULT_TIMEOUT_MS = 3_000;
const MAX_HELLO_BYTES = 256;
const TOKEN_BYTES = 8;
const CONNECT_TIMEOUT_MS = 1_000;

interface Args {
  mode: string;
  ifaces: string[];
  group: string;
  port: number;
  timeoutMs: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { mode: argv[0] ?? '', ifaces: [], group: PROBE_GROUP, port: PROBE_PORT, timeoutMs: DEFAULT_TIMEOUT_MS };
  for (let i = 1; i < argv.length; i += 2) {
    const value = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--iface': args.ifaces.push(value); break;
      case '--group': args.group = value; break;
      case '--port': args.port = Number(value); break;
      case '--timeout': args.timeoutMs = Number(value); break;
      default: fail(`unknown argument ${argv[i]}`);
    }
  }
  if (args.ifaces.length === 0) fail('at least one --iface is needed');
  return args;
}

function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

function fail(message: string): never {
  emit('error', { message });
  process.exit(2);
}

function answer(args: Args): void {
  const socket: Socket = createSocket({ type: 'udp6', reuseAddr: true });
  socket.on('error', (err) => fail(`udp: ${err.message}`));
  socket.bind(args.port, '::', () => {
    // Join inside the bind callback: joining first would bind a random port (PLATFORM.md).
    for (const iface of args.ifaces) socket.addMembership(args.group, `::%${iface}`);
    emit('ready', { ifaces: args.ifaces, group: args.group, port: args.port });
  });
  socket.on('message', (msg, rinfo) => {
    if (msg.byteLength > MAX_HELLO_BYTES) return;
    let hello: { token?: unknown; port?: unknown };
    try {
      hello = JSON.parse(msg.toString('utf8')) as typeof hello;
    } catch {
      return;
    }
    if (typeof hello.token !== 'string' || typeof hello.port !== 'number') return;
    emit('heard', { from: rinfo.address });
    const conn = connect({ host: rinfo.address, port: hello.port, timeout: CONNECT_TIMEOUT_MS });
    conn.on('connect', () => { conn.end(`${hello.token}\n`); emit('answered', { to: rinfo.address }); });
    conn.on('timeout', () => conn.destroy());
    conn.on('error', (err) => emit('connect-error', { to: rinfo.address, message: err.message }));
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => { socket.close(); process.exit(0); });
}

function ask(args: Args): void {
  const iface = args.ifaces[0] as string;
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  const started = performance.now();
  let sent = 0;
  const sendErrors = new Map<string, number>();
  const server = createServer((conn) => {
    let data = '';
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => { data += chunk; });
    conn.on('end', () => {
      if (data.trim() !== token) return;
      emit('ok', { from: conn.remoteAddress, ms: Math.round(performance.now() - started), hellos: sent, sendErrors: Object.fromEntries(sendErrors) });
      process.exit(0);
    });
    conn.on('error', () => { /* a half-open answer; another hello follows */ });
  });
  server.listen(0, '::', () => {
    const port = (server.address() as { port: number }).port;
    const socket = createSocket({ type: 'udp6' });
    socket.on('error', () => { /* reported per send below */ });
    const hello = Buffer.from(JSON.stringify({ token, port }));
    const send = () => {
      sent++;
      socket.send(hello, args.port, `${args.group}%${iface}`, (err) => {
        if (err) sendErrors.set((err as NodeJS.ErrnoException).code ?? err.message, (sendErrors.get((err as NodeJS.ErrnoException).code ?? err.message) ?? 0) + 1);
      });
    };
    send();
    setInterval(send, HELLO_INTERVAL_MS);
    setTimeout(() => {
      emit('timeout', { ms: args.timeoutMs, hellos: sent, sendErrors: Object.fromEntries(sendErrors) });
      process.exit(1);
    }, args.timeoutMs);
  });
}

const args = parseArgs(process.argv.slice(2));
if (args.mode === 'answer') answer(args);
else if (args.mode === 'ask') ask(args);
else fail(`unknown mode '${args.mode}' (answer | ask)`);
