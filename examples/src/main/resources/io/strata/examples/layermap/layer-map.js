// The layer map picture in the browser: fetches a timeline's layer map JSON (LayerMapInfo), draws it with the
// layout of LayerMapLayout.java (same coordinates: keep the two in step), shows a tooltip on hover, zooms with the
// wheel, pans by dragging, and fetches again every refresh_seconds so that the picture follows compaction.
(function () {
  'use strict';
  const config = JSON.parse(document.getElementById('layer-map-config').textContent);
  const C = config.layout;
  const params = new URLSearchParams(window.location.search);
  const dataUrl = params.get('data') || config.data_url;
  const refreshSeconds = params.has('refresh') ? Number(params.get('refresh')) : config.refresh_seconds;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const KEY_MIN = '0'.repeat(C.KEY_HEX);
  const KEY_MAX = 'F'.repeat(C.KEY_HEX);

  const body = document.body;
  const container = document.getElementById('picture');
  const statusLine = document.getElementById('status');
  const tooltip = document.getElementById('tooltip');
  let lastJson = null;
  let fetches = 0;
  let renders = 0;
  let full = null;   // the whole picture's viewBox {x, y, w, h}
  let view = null;   // the zoomed one

  function esc(s) {
    return String(s).replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
  }

  function lsnValue(text) {
    const m = /^\s*([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})\s*$/.exec(text);
    if (!m) {
      throw new Error('invalid LSN ' + JSON.stringify(text));
    }
    return (BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2]);
  }

  function lsnText(v) {
    return (v >> 32n).toString(16).toUpperCase() + '/' + (v & 0xFFFFFFFFn).toString(16).toUpperCase();
  }

  function keyValue(text) {
    if (typeof text !== 'string' || !/^[0-9A-Fa-f]+$/.test(text) || text.length !== C.KEY_HEX) {
      throw new Error('invalid key ' + JSON.stringify(text));
    }
    return text.toUpperCase();
  }

  function cmp(a, b) {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function sortedDistinct(values) {
    const seen = new Map();
    values.forEach(v => seen.set(typeof v === 'bigint' ? v.toString() : v, v));
    return Array.from(seen.values()).sort(cmp);
  }

  function rankOf(sorted) {
    const m = new Map();
    sorted.forEach((v, i) => m.set(typeof v === 'bigint' ? v.toString() : v, i));
    return v => m.get(typeof v === 'bigint' ? v.toString() : v);
  }

  function size(bytes) {
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    if (bytes < 1024) {
      return bytes + ' bytes';
    }
    let v = bytes;
    let u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return v.toFixed(1) + ' ' + units[u] + ' (' + bytes + ' bytes)';
  }

  // LayerMapLayout, in JavaScript.
  function layout(info) {
    const historic = info.historic_layers.map(h => ({
      delta: h.kind === 'Delta', l0: !!h.l0, name: h.layer_file_name, size: h.layer_file_size,
      keyStart: keyValue(h.key_start), keyEnd: keyValue(h.key_end),
      lsnStart: lsnValue(h.lsn_start), lsnEnd: lsnValue(h.lsn_end), visible: h.visible !== false}));
    const inMemory = info.in_memory_layers.map(m => ({
      open: m.kind === 'Open', lsnStart: lsnValue(m.lsn_start), lsnEnd: lsnValue(m.lsn_end)}));
    const gcCutoff = lsnValue(info.applied_gc_cutoff_lsn);
    let keys = [];
    let lsns = [];
    historic.forEach(h => {
      keys.push(h.keyStart, h.keyEnd);
      lsns.push(h.lsnStart);
      if (h.delta) {
        lsns.push(h.lsnEnd);
      }
    });
    inMemory.forEach(m => lsns.push(m.lsnStart, m.lsnEnd));
    if (keys.length === 0) {
      keys = [KEY_MIN, KEY_MAX];
    }
    if (gcCutoff !== 0n) {
      lsns.push(gcCutoff);
    }
    if (lsns.length === 0) {
      lsns.push(lsnValue(info.last_record_lsn));
    }
    keys = sortedDistinct(keys);
    lsns = sortedDistinct(lsns);
    const keyRank = rankOf(keys);
    const lsnRank = rankOf(lsns);
    const column = Math.max(C.MIN_COLUMN, Math.floor(C.PLOT_WIDTH / Math.max(1, keys.length - 1)));
    const row = Math.max(C.MIN_ROW, Math.floor(C.PLOT_HEIGHT / Math.max(1, lsns.length - 1)));
    const plotWidth = column * Math.max(1, keys.length - 1);
    const plotHeight = row * Math.max(1, lsns.length - 1);
    const x = k => C.LEFT + keyRank(k) * column;
    const y = l => C.TOP + plotHeight - lsnRank(l) * row;

    const boxes = [];
    historic.filter(h => h.delta).forEach(h => {
      const x0 = x(h.keyStart), x1 = x(h.keyEnd), top = y(h.lsnEnd), bottom = y(h.lsnStart);
      boxes.push({kind: h.l0 ? 'l0' : 'delta', name: h.name, x: x0 + C.INSET, y: top + C.INSET,
        w: x1 - x0 - 2 * C.INSET, h: bottom - top - 2 * C.INSET, layer: h});
    });
    inMemory.forEach(m => {
      const top = y(m.lsnEnd), bottom = y(m.lsnStart);
      const kind = m.open ? 'Open' : 'Frozen';
      boxes.push({kind: m.open ? 'open' : 'frozen', name: kind + ' ' + lsnText(m.lsnStart) + '-' + lsnText(m.lsnEnd),
        x: C.LEFT + C.INSET, y: top + C.INSET, w: plotWidth - 2 * C.INSET, h: bottom - top - 2 * C.INSET, mem: m});
    });
    historic.filter(h => !h.delta).forEach(h => {
      const x0 = x(h.keyStart), x1 = x(h.keyEnd);
      boxes.push({kind: 'image', name: h.name, x: x0 + C.INSET, y: y(h.lsnStart) - C.IMAGE_BAR / 2,
        w: x1 - x0 - 2 * C.INSET, h: C.IMAGE_BAR, layer: h});
    });

    const inner = keys.filter(k => k !== KEY_MIN && k !== KEY_MAX);
    const cap = C.KEY_HEX - C.KEY_LABEL_DIGITS;
    let prefix = cap;
    if (inner.length >= 2) {
      prefix = 0;
      const first = inner[0], last = inner[inner.length - 1];
      while (prefix < cap && first[prefix] === last[prefix]) {
        prefix++;
      }
    }
    const keyLabel = k => k === KEY_MIN ? 'MIN' : k === KEY_MAX ? 'MAX' : prefix === 0 ? k : '\u2026' + k.substring(prefix);
    const keyTicks = [];
    const keyStep = Math.ceil(C.LABEL_SPACING / column);
    for (let i = 0; i < keys.length; i += keyStep) {
      keyTicks.push({pos: C.LEFT + i * column, label: keyLabel(keys[i]), full: keys[i]});
    }
    const lsnTicks = [];
    const lsnStep = Math.ceil(C.LABEL_SPACING / row);
    for (let i = 0; i < lsns.length; i += lsnStep) {
      lsnTicks.push({pos: y(lsns[i]), label: lsnText(lsns[i])});
    }
    return {
      width: C.LEFT + plotWidth + C.RIGHT, height: C.TOP + plotHeight + C.BOTTOM, plotWidth, plotHeight, boxes,
      keyTicks, lsnTicks, gcCutoffY: gcCutoff !== 0n ? y(gcCutoff) : null, historic, inMemory
    };
  }

  function text(cls, x, y, anchor, s, extra) {
    return '<text class="' + cls + '" x="' + x + '" y="' + y + '" text-anchor="' + anchor + '"' + (extra || '') + '>'
      + s + '</text>';
  }

  function line(cls, x1, y1, x2, y2) {
    return '<line class="' + cls + '" x1="' + x1 + '" y1="' + y1 + '" x2="' + x2 + '" y2="' + y2 + '"/>';
  }

  function svg(info, p) {
    const left = C.LEFT, top = C.TOP, plotRight = left + p.plotWidth, plotBottom = top + p.plotHeight;
    const count = f => p.historic.filter(f).length;
    const out = [];
    out.push('<svg id="layer-map" xmlns="' + SVG_NS + '" width="' + p.width + '" height="' + p.height
      + '" viewBox="0 0 ' + p.width + ' ' + p.height + '" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">');
    out.push('<rect x="0" y="0" width="' + p.width + '" height="' + p.height + '" fill="#ffffff"/>');
    out.push(text('title', 12, 20, 'start', esc('Layer map of tenant ' + info.tenant_id + ' timeline ' + info.timeline_id)));
    out.push(text('stats', 12, 38, 'start', esc('last record ' + info.last_record_lsn + ' \u00b7 disk consistent '
      + info.disk_consistent_lsn + ' \u00b7 applied GC cutoff ' + info.applied_gc_cutoff_lsn + ' \u00b7 '
      + count(h => !h.delta) + ' image, ' + count(h => h.delta && !h.l0) + ' delta, ' + count(h => h.l0) + ' L0, '
      + p.inMemory.length + ' in-memory layers')));
    let lx = 12;
    const ly = 50;
    C.kinds.forEach(k => {
      out.push('<rect class="legend layer ' + k.css + '" x="' + lx + '" y="' + ly + '" width="14" height="10"/>');
      out.push(text('axis', lx + 18, ly + 9, 'start', esc(k.label)));
      lx += C.LEGEND_GAP + C.LEGEND_CHAR * k.label.length;
    });
    out.push('<rect class="legend layer delta covered" x="' + lx + '" y="' + ly + '" width="14" height="10"/>');
    out.push(text('axis', lx + 18, ly + 9, 'start', 'covered'));
    lx += C.LEGEND_GAP + C.LEGEND_CHAR * 'covered'.length;
    out.push(line('gc', lx, ly + 5, lx + 18, ly + 5));
    out.push(text('axis', lx + 22, ly + 9, 'start', 'GC cutoff'));
    out.push('<rect class="plot" x="' + left + '" y="' + top + '" width="' + p.plotWidth + '" height="' + p.plotHeight + '"/>');
    p.lsnTicks.forEach(t => out.push(line('grid', left, t.pos, plotRight, t.pos)));
    p.keyTicks.forEach(t => out.push(line('grid', t.pos, top, t.pos, plotBottom)));
    p.boxes.forEach((b, i) => {
      const covered = b.layer && !b.layer.visible;
      out.push('<rect class="layer ' + b.kind + (covered ? ' covered' : '') + '" data-layer-name="' + esc(b.name)
        + '" data-index="' + i + '" x="' + b.x + '" y="' + b.y + '" width="' + b.w + '" height="' + b.h + '" rx="2"/>');
    });
    if (p.gcCutoffY !== null) {
      out.push(line('gc', left, p.gcCutoffY, plotRight, p.gcCutoffY));
      out.push(text('gc-label', plotRight - 4, p.gcCutoffY - 4, 'end', esc('applied GC cutoff ' + info.applied_gc_cutoff_lsn)));
    }
    p.lsnTicks.forEach(t => out.push(text('tick', left - 6, t.pos + 3, 'end', esc(t.label))));
    p.keyTicks.forEach(t => {
      const yy = plotBottom + 6;
      out.push(text('tick', t.pos + 3, yy, 'end', '<title>' + esc(t.full) + '</title>' + esc(t.label),
        ' transform="rotate(-90 ' + (t.pos + 3) + ' ' + yy + ')"'));
    });
    const mid = top + Math.floor(p.plotHeight / 2);
    out.push(text('axis', 16, mid, 'middle', 'LSN \u2192', ' transform="rotate(-90 16 ' + mid + ')"'));
    out.push(text('axis', plotRight, p.height - 8, 'end', 'key \u2192 (axes compressed: one step per distinct layer boundary)'));
    out.push('</svg>');
    return out.join('\n');
  }

  function tooltipHtml(b) {
    const kind = C.kinds.find(k => k.css === b.kind).label;
    const rows = ['<b>' + esc(b.name) + '</b>'];
    if (b.layer) {
      const h = b.layer;
      rows.push(esc(kind) + ', ' + esc(size(h.size)));
      rows.push('keys ' + esc(h.keyStart) + ' - ' + esc(h.keyEnd));
      rows.push(h.delta ? 'LSNs ' + lsnText(h.lsnStart) + ' - ' + lsnText(h.lsnEnd) : 'LSN ' + lsnText(h.lsnStart));
      if (!h.visible) {
        rows.push('covered: no read point reaches it');
      }
    } else {
      rows.push(esc(kind) + ' layer');
      rows.push('LSNs ' + lsnText(b.mem.lsnStart) + ' - ' + lsnText(b.mem.lsnEnd));
    }
    return rows.join('<br>');
  }

  function applyView(el) {
    el.setAttribute('viewBox', view.x + ' ' + view.y + ' ' + view.w + ' ' + view.h);
  }

  function wire(el, p) {
    full = {x: 0, y: 0, w: p.width, h: p.height};
    view = Object.assign({}, full);
    el.addEventListener('mousemove', e => {
      const t = e.target;
      if (t.classList && t.classList.contains('layer') && t.dataset.index !== undefined) {
        tooltip.innerHTML = tooltipHtml(p.boxes[Number(t.dataset.index)]);
        tooltip.style.display = 'block';
        tooltip.style.left = (e.pageX + 14) + 'px';
        tooltip.style.top = (e.pageY + 14) + 'px';
      } else {
        tooltip.style.display = 'none';
      }
    });
    el.addEventListener('mouseleave', () => { tooltip.style.display = 'none'; });
    el.addEventListener('wheel', e => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const fx = (e.clientX - r.left) / r.width, fy = (e.clientY - r.top) / r.height;
      const factor = Math.exp(Math.max(-1, Math.min(1, e.deltaY * 0.0015)));
      const w = Math.max(full.w / 64, Math.min(full.w, view.w * factor));
      const h = w * full.h / full.w;
      view = {x: view.x + fx * (view.w - w), y: view.y + fy * (view.h - h), w, h};
      applyView(el);
    }, {passive: false});
    let drag = null;
    el.addEventListener('mousedown', e => { drag = {x: e.clientX, y: e.clientY, view: Object.assign({}, view)}; });
    window.addEventListener('mouseup', () => { drag = null; });
    window.addEventListener('mousemove', e => {
      if (drag) {
        const r = el.getBoundingClientRect();
        view = Object.assign({}, drag.view, {
          x: drag.view.x - (e.clientX - drag.x) * drag.view.w / r.width,
          y: drag.view.y - (e.clientY - drag.y) * drag.view.h / r.height});
        applyView(el);
      }
    });
    el.addEventListener('dblclick', resetZoom);
  }

  function resetZoom() {
    const el = document.getElementById('layer-map');
    if (el && full) {
      view = Object.assign({}, full);
      applyView(el);
    }
  }

  function render(info, json) {
    if (json === lastJson) {
      return;   // unchanged: keep the zoom and the tooltip
    }
    const p = layout(info);
    container.innerHTML = svg(info, p);
    wire(document.getElementById('layer-map'), p);
    lastJson = json;
    renders++;
    body.dataset.renders = String(renders);
  }

  function setStatus(ok, message) {
    body.dataset.status = ok ? 'ok' : 'error';
    statusLine.className = ok ? 'ok' : 'error';
    statusLine.textContent = message;
  }

  function load() {
    fetches++;
    body.dataset.fetches = String(fetches);
    fetch(dataUrl, {cache: 'no-store'})
      .then(r => r.ok ? r.text() : r.text().then(t => { throw new Error('HTTP ' + r.status + ' from ' + dataUrl + ': ' + t); }))
      .then(json => {
        render(JSON.parse(json), json);
        setStatus(true, 'updated ' + new Date().toLocaleTimeString() + ' from ' + dataUrl
          + (refreshSeconds > 0 ? ', refreshing every ' + refreshSeconds + ' s' : ''));
      })
      .catch(e => setStatus(false, 'cannot draw the layer map: ' + e.message))
      .finally(() => {
        if (refreshSeconds > 0) {
          setTimeout(load, refreshSeconds * 1000);
        }
      });
  }

  document.getElementById('reset').addEventListener('click', resetZoom);
  if (config.data) {
    try {
      render(config.data, JSON.stringify(config.data));
      setStatus(true, 'saved picture');
    } catch (e) {
      setStatus(false, 'cannot draw the layer map: ' + e.message);
    }
  } else {
    load();
  }
})();
