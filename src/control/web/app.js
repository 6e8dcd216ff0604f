// The Skein topology page: draws the mesh graph from /api/graph with
// cytoscape, highlights this node's routes (its next-hop tree), and keeps
// everything current from the node's event stream (/api/events) plus a
// periodic full snapshot. Plain browser JavaScript, no build step.
'use strict';
(() => {
  /** A full snapshot this often, whatever the event stream says. */
  const GRAPH_REFRESH_MS = 2000;
  /** Events come in bursts (a link down changes many routes): one refresh per burst. */
  const EVENT_REFRESH_DELAY_MS = 150;
  const MAX_EVENT_LINES = 100;
  const MICROS_PER_MS = 1000;
  /** A small mesh is not blown up to fill the screen. */
  const MAX_ZOOM = 1.6;

  // The token came in the URL and is now a cookie: keep it out of the address bar and history.
  if (location.search) history.replaceState(null, '', location.pathname);

  const $ = (id) => document.getElementById(id);
  const ms = (micros) => `${(micros / MICROS_PER_MS).toFixed(1)} ms`;

  const cy = cytoscape({
    container: $('graph'),
    elements: [],
    minZoom: 0.2,
    maxZoom: MAX_ZOOM,
    style: [
      { selector: 'node', style: { label: 'data(label)', 'background-color': '#495057', color: '#212529', 'font-size': 13, 'text-valign': 'bottom', 'text-margin-y': 4, width: 26, height: 26 } },
      { selector: 'node.self', style: { 'background-color': '#d9480f', width: 34, height: 34, 'font-weight': 'bold' } },
      { selector: 'node:selected', style: { 'border-width': 4, 'border-color': '#fab005' } },
      { selector: 'edge', style: { width: 2, 'line-color': '#adb5bd', label: 'data(label)', 'font-size': 10, color: '#868e96', 'text-rotation': 'autorotate', 'text-background-color': '#fff', 'text-background-opacity': 0.85, 'text-background-padding': 2, 'curve-style': 'bezier' } },
      { selector: 'edge.tree', style: { width: 5, 'line-color': '#1c7ed6', color: '#1c7ed6' } },
    ],
  });

  let graph = null;
  let selected = null;
  let nodeSetKey = '';
  let refreshTimer = null;

  function nameOf(id) {
    const n = graph && graph.nodes.find((x) => x.id === id);
    return n ? n.name : id.slice(0, 8);
  }

  /** Both ends' costs (the links list). */
  function costLabel(e) {
    return e.cost === e.reverseCost ? ms(e.cost) : `${ms(e.cost)} / ${ms(e.reverseCost)}`;
  }

  /** One number on the drawing: the mean of both ends' costs. */
  function edgeLabel(e) {
    return ms((e.cost + e.reverseCost) / 2);
  }

  /** Bring the drawing in line with a snapshot: add, update, remove; lay out again only when the node set changed. */
  function drawGraph(g) {
    const nodes = new Map(g.nodes.map((n) => [n.id, n]));
    const edges = new Map(g.edges.map((e) => [e.id, e]));
    cy.batch(() => {
      cy.edges().forEach((el) => { if (!edges.has(el.id())) el.remove(); });
      cy.nodes().forEach((el) => { if (!nodes.has(el.id())) el.remove(); });
      for (const n of g.nodes) {
        const data = { id: n.id, label: n.name, hops: n.hops };
        const el = cy.getElementById(n.id);
        if (el.empty()) cy.add({ group: 'nodes', data, classes: n.self ? 'self' : '' });
        else el.data(data);
      }
      for (const e of g.edges) {
        const data = { id: e.id, source: e.source, target: e.target, label: edgeLabel(e) };
        const el = cy.getElementById(e.id);
        if (el.empty()) cy.add({ group: 'edges', data, classes: e.tree ? 'tree' : '' });
        else {
          el.data('label', data.label);
          if (e.tree) el.addClass('tree'); else el.removeClass('tree');
        }
      }
    });
    const key = [...nodes.keys()].sort().join(',');
    if (key !== nodeSetKey) {
      nodeSetKey = key;
      cy.layout({ name: 'cose', animate: false, fit: true, padding: 60, randomize: true, idealEdgeLength: () => 140, nodeRepulsion: () => 400000, nodeOverlap: 40, componentSpacing: 120 }).run();
    }
  }

  function cell(row, text) {
    const td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
  }

  function drawTables(g) {
    const body = $('members').querySelector('tbody');
    body.replaceChildren(...g.nodes.map((n) => {
      const tr = document.createElement('tr');
      tr.dataset.id = n.id;
      tr.dataset.name = n.name;
      if (n.self) tr.classList.add('self');
      if (n.id === selected) tr.classList.add('selected');
      cell(tr, n.self ? `${n.name} (this node)` : n.name);
      cell(tr, String(n.hops));
      cell(tr, n.self ? '-' : ms(n.cost));
      cell(tr, n.nextHopName || '-');
      tr.addEventListener('click', () => select(n.id));
      return tr;
    }));
    const links = g.edges
      .map((e) => ({ e, names: [nameOf(e.source), nameOf(e.target)].sort() }))
      .sort((a, b) => a.names.join().localeCompare(b.names.join()));
    $('links').replaceChildren(...links.map(({ e, names }) => {
      const li = document.createElement('li');
      li.dataset.edge = names.join(' — ');
      if (e.tree) li.classList.add('tree');
      li.textContent = `${names.join(' — ')}: ${costLabel(e)}${e.tree ? ' (route)' : ''}`;
      return li;
    }));
    $('self-name').textContent = g.self.name;
    $('summary').textContent = `${g.nodes.length} members, ${g.edges.length} links${g.truncated ? ' (graph truncated)' : ''}, updated ${new Date(g.generatedAt).toLocaleTimeString()}`;
  }

  function drawDetails() {
    const list = $('details-list');
    const n = graph && selected ? graph.nodes.find((x) => x.id === selected) : null;
    if (!n) {
      list.replaceChildren();
      return;
    }
    const rows = [
      ['name', n.self ? `${n.name} (this node)` : n.name],
      ['id', n.id],
      ['hops', String(n.hops)],
      ['cost', n.self ? '-' : ms(n.cost)],
      ['next hop', n.nextHopName || '-'],
      ['path', n.self ? '-' : [graph.self.name, ...n.path.map(nameOf)].join(' → ')],
      ['neighbours', n.neighbours.map((x) => `${x.name || x.id.slice(0, 8)} (${ms(x.cost)})`).join(', ') || '-'],
      ['record age', `${(n.recordAgeMs / 1000).toFixed(1)} s`],
    ];
    list.replaceChildren(...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dd.dataset.field = k;
      return [dt, dd];
    }));
  }

  function select(id) {
    selected = id;
    cy.nodes().unselect();
    cy.getElementById(id).select();
    if (graph) drawTables(graph);
    drawDetails();
  }

  cy.on('tap', 'node', (evt) => select(evt.target.id()));

  async function refresh() {
    try {
      const res = await fetch('/api/graph', { credentials: 'same-origin', cache: 'no-store' });
      if (res.status === 401) {
        $('summary').textContent = 'access refused: the node restarted or the token changed; open the URL printed by `skein web`';
        return;
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      graph = await res.json();
      drawGraph(graph);
      drawTables(graph);
      drawDetails();
    } catch (err) {
      $('summary').textContent = `cannot reach the node (${err.message}); retrying`;
    }
  }

  function scheduleRefresh() {
    if (refreshTimer !== null) return;
    refreshTimer = setTimeout(() => { refreshTimer = null; refresh(); }, EVENT_REFRESH_DELAY_MS);
  }

  function describeEvent(e) {
    const who = e.peer || e.name || (e.id ? e.id.slice(0, 8) : '') || e.address || '';
    const extra = e.type === 'routeChanged' ? (e.nextHop ? `via ${nameOf(e.nextHop)}, ${e.hops} hops` : 'unreachable') : (e.reason || e.interface || '');
    return `${(e.time || '').slice(11, 19)} ${e.type} ${who} ${extra}`.trim();
  }

  function setStream(state, text) {
    const el = $('stream');
    el.className = `stream ${state}`;
    el.textContent = `event stream: ${text}`;
  }

  const stream = new EventSource('/api/events');
  stream.onopen = () => { setStream('live', 'live'); scheduleRefresh(); };
  stream.onerror = () => setStream('down', stream.readyState === EventSource.CLOSED ? 'closed (reload the page)' : 'reconnecting');
  stream.onmessage = (m) => {
    let e;
    try { e = JSON.parse(m.data); } catch { return; }
    const li = document.createElement('li');
    li.textContent = describeEvent(e);
    const list = $('events');
    list.prepend(li);
    while (list.children.length > MAX_EVENT_LINES) list.lastElementChild.remove();
    scheduleRefresh();
  };

  setInterval(refresh, GRAPH_REFRESH_MS);
  refresh();
  // For tests and the curious: the drawing and the last snapshot.
  window.skeinTopology = { cy, graph: () => graph, refresh };
})();
