/**
 * Skein's layers, lowest first. A module may import from its own folder and
 * from any lower layer, never from a higher one (docs/architecture.md,
 * "Layers"). `npm run lint:layers` checks every import in src/.
 *
 *   util        helpers with no knowledge of Skein's protocols
 *   codec       the byte reader/writer every wire format is built with
 *   crypto      primitives, AEAD, the Noise handshakes
 *   identity    keys, certificates, chains, trust, members
 *   wire        every message's layout
 *   services    link, routing, session, discovery, dns, dataplane (peers: none imports another)
 *   control     the admin contract, its server and client, metrics, the topology page
 *   node        the daemon that wires the services together
 *   tools       lab, sim, bench (beside and above node)
 *   cli         the command line (only bin/ imports it)
 */
const LAYERS = [
  { name: 'util', folders: ['util'] },
  { name: 'codec', folders: ['codec'] },
  { name: 'crypto', folders: ['crypto'] },
  { name: 'identity', folders: ['identity'] },
  { name: 'wire', folders: ['wire'] },
  { name: 'services', folders: ['link', 'routing', 'session', 'discovery', 'dns', 'dataplane'] },
  { name: 'control', folders: ['control'] },
  { name: 'node', folders: ['node'] },
  { name: 'tools', folders: ['lab', 'sim', 'bench'] },
  { name: 'cli', folders: ['cli'] },
];

const folder = (names) => `^src/(${names.join('|')})/`;
const above = (i) => LAYERS.slice(i + 1).flatMap((l) => l.folders);

/** One rule per layer: nothing in it imports a folder of a higher layer. */
const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.name}`,
  comment: `${layer.folders.join(', ')} must not import a higher layer (${above(i).join(', ')})`,
  severity: 'error',
  from: { path: folder(layer.folders) },
  to: { path: folder(above(i)) },
}));

/**
 * The services are peers: each is built on the layers below, none on
 * another, with one exception: the data path's pipelines (dataplane/) seal
 * and open packets with the session manager, so dataplane/ may import
 * session/ (never the reverse).
 */
const SERVICES = LAYERS.find((l) => l.name === 'services').folders;
const MAY_IMPORT = { dataplane: ['session'] };
const peers = SERVICES.map((name) => {
  const forbidden = SERVICES.filter((s) => s !== name && !(MAY_IMPORT[name] ?? []).includes(s));
  return {
    name: `no-service-into-service-${name}`,
    comment: `${name}/ is a service: it imports the layers below it${MAY_IMPORT[name] ? ` and ${MAY_IMPORT[name].join(', ')}` : ''}, not ${forbidden.join(', ')}`,
    severity: 'error',
    from: { path: `^src/${name}/` },
    to: { path: folder(forbidden) },
  };
});

/** Cores that must run anywhere, the simulator and the fuzzers included: no sockets, files or processes. */
const PURE = ['codec', 'crypto', 'identity', 'wire', 'routing', 'session'];

module.exports = {
  forbidden: [
    ...upward,
    ...peers,
    {
      name: 'every-folder-has-a-layer',
      comment: 'a folder of src/ that is not in LAYERS is checked by no rule: give it its row',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: folder(LAYERS.flatMap((l) => l.folders)) },
      to: {},
    },
    {
      name: 'only-bin-imports-cli',
      comment: 'cli/ is the top: only bin/ (and the CLI itself) may import it',
      severity: 'error',
      from: { pathNot: '^(src/cli/|bin/)' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'lab-not-into-bench-or-sim',
      comment: 'lab/ is what bench/ builds on; the simulator stands alone',
      severity: 'error',
      from: { path: '^src/lab/' },
      to: { path: '^src/(bench|sim)/' },
    },
    {
      name: 'sim-not-into-node-or-tools',
      comment: 'the routing simulator runs the pure cores on virtual time: no daemon, no namespaces (sim/daemons.ts, whole daemons in virtual time, is the one part built on node/)',
      severity: 'error',
      from: { path: '^src/sim/', pathNot: '^src/sim/daemons[.]ts$' },
      to: { path: '^src/(node|lab|bench|control)/' },
    },
    {
      name: 'daemon-mesh-no-tools',
      comment: 'whole daemons in virtual time use the daemon, never the namespace lab or the benchmark',
      severity: 'error',
      from: { path: '^src/sim/daemons[.]ts$' },
      to: { path: '^src/(lab|bench)/' },
    },
    {
      name: 'pure-cores-no-io',
      comment: `${PURE.join(', ')} do no I/O: the caller owns sockets, files and processes`,
      severity: 'error',
      from: { path: folder(PURE), pathNot: '/bench/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(net|dgram|fs|fs/promises|child_process|http|https|tls|worker_threads)$' },
    },
    {
      name: 'no-circular',
      comment: 'a cycle ties modules into one unit nobody can change alone',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to nothing fails at run time',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // TypeScript 7 has no JavaScript compiler API: swc parses the sources.
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/control/web/' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
