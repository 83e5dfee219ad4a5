/// The wall-board: one self-contained HTML page (inline CSS and script, nothing fetched but
/// the live figures) that the reporting service serves at `/`.
///
/// It follows `/api/live/events` (Server-Sent Events, `event: live`, each one a whole live
/// report: `{"at", "queues", "agents", "totals"}` of DESIGN section 5) and shows the totals,
/// a tile per queue and a row per agent; waits and times in state tick every second between
/// reports. `window.wallboard.render(report)` draws a report without the stream (tests).
///
/// Hooks for tests and integrators: `#connection[data-state=connecting|live|reconnecting]`,
/// `#updated`, `#totals`, `[data-queue=<queueId>]` tiles (with `data-urgency`),
/// `[data-agent=<agentId>]` rows (with `data-state`), and inside them `[data-field=<key>]`
/// for every figure, named by its JSON key (`waiting`, `serviceLevel`, `display`…);
/// `[data-field=withdrawnByReason] [data-reason=<reason>]` holds "<reason> <count>".
public enum WallboardPage {
    public static let html: String = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Contact centre</title>
        <style>
          :root {
            color-scheme: dark;
            --bg: #0b0f14; --panel: #151b23; --line: #2b3541; --text: #e8eef5; --muted: #8f9bab;
            --available: #3fb950; --ringing: #e3b341; --on-call: #58a6ff; --wrap-up: #bc8cff;
            --withdrawn: #f0883e; --unavailable: #7d8590; --alert: #f85149;
          }
          * { box-sizing: border-box; }
          /* Sized for a big screen across a room; everything below is in rem. */
          html { font-size: clamp(14px, 0.5vw + 9px, 26px); }
          body { margin: 0; padding: 1rem 1.25rem 2rem; background: var(--bg); color: var(--text);
                 font-family: "DejaVu Sans", "Liberation Sans", system-ui, sans-serif; font-variant-numeric: tabular-nums; }
          h1, h2 { margin: 0; }
          .top { display: flex; align-items: center; gap: 1.5rem; margin-bottom: 1rem; }
          .top h1 { flex: 1; font-size: 1.7rem; letter-spacing: .02em; }
          #updated { color: var(--muted); font-size: 1.1rem; }
          #connection { font-size: 1rem; padding: .2rem .8rem; border: 1px solid currentColor; border-radius: 999px; }
          #connection::before { content: ""; display: inline-block; width: .6em; height: .6em; margin-right: .45em;
                                border-radius: 50%; background: currentColor; }
          #connection[data-state=connecting] { color: var(--muted); }
          #connection[data-state=live] { color: var(--available); }
          #connection[data-state=reconnecting] { color: var(--alert); }

          /* The colour of each agent state, for figures, chips and rows. */
          [data-state=available] { --state: var(--available); }
          [data-state=ringing] { --state: var(--ringing); }
          [data-state=on-call] { --state: var(--on-call); }
          [data-state=wrap-up] { --state: var(--wrap-up); }
          [data-state=withdrawn] { --state: var(--withdrawn); }
          [data-state=unavailable] { --state: var(--unavailable); }

          /* A figure: its value over its label. */
          .figure { display: flex; flex-direction: column; min-width: 0; }
          .figure .value { font-size: 1.9rem; font-weight: 700; line-height: 1.15; white-space: nowrap; }
          .figure .label { color: var(--muted); font-size: .75rem; text-transform: uppercase; letter-spacing: .06em; white-space: nowrap; }
          .figure[data-state] .label::before { content: ""; display: inline-block; width: .6em; height: .6em;
                                               margin-right: .35em; border-radius: 50%; background: var(--state); }
          .figure.major .value { font-size: 2.6rem; }
          .figure.huge .value { font-size: 4.8rem; line-height: 1; }
          .figure.small .value { font-size: 1.35rem; }
          /* Inline figures: "● 2 on call", in a wrapping line. */
          .figures { display: flex; flex-wrap: wrap; gap: .2rem 1.1rem; }
          .figure.inline { flex-direction: row; align-items: baseline; gap: .35em; }
          .figure.inline .value { font-size: 1.3rem; }
          .figure.inline .label { font-size: .9rem; text-transform: none; letter-spacing: 0; }
          .figure.inline[data-state]::before { content: ""; align-self: center; width: .6em; height: .6em; border-radius: 50%;
                                               background: var(--state); }
          .figure.inline[data-state] .label::before { display: none; }
          .chips { display: flex; flex-wrap: wrap; gap: .4rem; }
          .chips:empty { display: none; }
          .chip { font-size: .9rem; padding: .1rem .6rem; border-radius: 999px; color: var(--withdrawn);
                  border: 1px solid var(--withdrawn); }

          #totals { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem 3rem; padding: 1rem 1.5rem;
                    background: var(--panel); border-radius: .8rem; }
          #totals .majors { display: flex; gap: 2.5rem; }
          #totals .grid { display: grid; grid-template-columns: repeat(4, auto); gap: .5rem 1.6rem; }
          #totals .grid.today { grid-template-columns: repeat(3, auto); }
          #totals .chips { flex-basis: 100%; }

          #queues { display: grid; grid-template-columns: repeat(auto-fill, minmax(24rem, 1fr)); gap: 1rem; margin: 1rem 0 1.5rem; }
          .tile { display: flex; flex-direction: column; gap: .6rem; padding: .9rem 1.25rem; background: var(--panel);
                  border: 3px solid var(--line); border-radius: .8rem; }
          .tile[data-urgency=ok] { border-color: color-mix(in srgb, var(--available) 55%, var(--line)); }
          .tile[data-urgency=busy] { border-color: var(--ringing); background: color-mix(in srgb, var(--ringing) 8%, var(--panel)); }
          .tile[data-urgency=alert] { border-color: var(--alert); background: color-mix(in srgb, var(--alert) 18%, var(--panel)); }
          .tile[data-urgency=idle] { opacity: .65; }
          .tile-head { display: flex; align-items: flex-start; justify-content: space-between; gap: 1rem; }
          .tile-head h2 { font-size: 1.5rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
          .tile-head .figure { align-items: flex-end; }
          .tile-main { display: flex; align-items: flex-end; gap: 2rem; margin-top: -.6rem; }
          .tile[data-urgency=alert] .tile-main .huge .value { color: var(--alert); }
          .tile .figures { padding-top: .5rem; border-top: 1px solid var(--line); }

          .section-title { display: flex; align-items: baseline; gap: .8rem; font-size: 1.3rem; margin-bottom: .6rem; }
          .section-title span { color: var(--muted); font-size: 1rem; font-weight: 400; }
          #agents { display: grid; grid-template-columns: repeat(auto-fill, minmax(19rem, 1fr)); gap: .45rem; }
          .agent { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: .1rem 1rem; padding: .45rem .8rem;
                   border-left: .4rem solid var(--state, var(--line)); border-radius: .4rem;
                   background: color-mix(in srgb, var(--state, var(--line)) 14%, var(--panel)); }
          .agent [data-field=agentId] { font-weight: 700; font-size: 1.1rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
          .agent [data-field=displaySince] { font-size: 1.1rem; text-align: right; }
          .agent [data-field=display] { color: var(--state, var(--text)); font-weight: 700; }
          .agent [data-field=queues] { color: var(--muted); text-align: right; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
          #queues:empty::before, #agents:empty::before { content: "none yet"; color: var(--muted); }
        </style>
        </head>
        <body>
        <header class="top">
          <h1>Contact centre</h1>
          <span id="updated"></span>
          <span id="connection" data-state="connecting">connecting…</span>
        </header>
        <section id="totals" aria-label="Totals"></section>
        <section id="queues" aria-label="Queues"></section>
        <section aria-label="Agents">
          <h2 class="section-title">Agents <span id="agent-count"></span></h2>
          <div id="agents" role="table"></div>
        </section>
        <script>
        (() => {
          'use strict';
          const DASH = '—';
          // Below this share of calls answered in time a queue is shown as busy.
          const SERVICE_LEVEL_TARGET = 0.8;

          // ---- Formatting: every figure is text, a dash when unknown (null) ----
          const isNumber = x => typeof x === 'number' && isFinite(x);
          const pad2 = n => String(n).padStart(2, '0');
          const seconds = ms => Math.max(0, Math.floor(ms / 1000));
          const count = x => isNumber(x) ? String(x) : DASH;
          const percent = x => isNumber(x) ? Math.round(x * 100) + '%' : DASH;
          const minutesSeconds = ms => isNumber(ms) ? Math.floor(seconds(ms) / 60) + ':' + pad2(seconds(ms) % 60) : DASH;
          const hoursMinutesSeconds = ms => isNumber(ms)
            ? Math.floor(seconds(ms) / 3600) + ':' + pad2(Math.floor(seconds(ms) / 60) % 60) + ':' + pad2(seconds(ms) % 60)
            : DASH;
          const compare = (a, b) => a < b ? -1 : a > b ? 1 : 0;

          // ---- The server's clock: a report's `at` is the server's now when it was sent, so
          // waits and times in state tick from it, whatever this screen's clock says ----
          let skew = 0;
          const serverNow = () => Date.now() + skew;

          // ---- DOM helpers: text only, never markup (names, ids and reasons are data) ----
          function make(tag, className, text) {
            const element = document.createElement(tag);
            if (className) element.className = className;
            if (text !== undefined) element.textContent = text;
            return element;
          }
          function setText(element, text) {
            if (element.textContent !== text) element.textContent = text;
          }
          function setData(element, name, value) {
            if (element.dataset[name] !== value) element.dataset[name] = value;
          }
          /** A figure: its value (data-field = the JSON key) over a label; the value goes in `fields`. */
          function figure(fields, key, label, className, state) {
            const box = make('div', 'figure' + (className ? ' ' + className : ''));
            if (state) box.dataset.state = state;
            const value = make('span', 'value', DASH);
            value.dataset.field = key;
            fields[key] = value;
            box.append(value, make('span', 'label', label));
            return box;
          }

          // ---- The figures a queue and the totals share: [JSON key, label, agent state] ----
          const AGENT_FIGURES = [
            ['staffed', 'staffed'], ['routable', 'available', 'available'], ['ringing', 'ringing', 'ringing'],
            ['onCall', 'on call', 'on-call'], ['wrapUp', 'wrap-up', 'wrap-up'], ['withdrawn', 'withdrawn', 'withdrawn'],
            ['unavailable', 'unavailable', 'unavailable']];
          // Today's call figures (inside `today`): [JSON key, label, format].
          const TODAY_FIGURES = [
            ['offered', 'offered', count], ['answered', 'answered', count], ['abandoned', 'abandoned', count],
            ['overflowed', 'overflowed', count], ['averageSpeedOfAnswerMs', 'avg answer', minutesSeconds],
            ['averageHandleTimeMs', 'avg handle', minutesSeconds]];

          function reasonChips(fields) {
            const chips = make('div', 'chips');
            chips.dataset.field = 'withdrawnByReason';
            fields.withdrawnByReason = chips;
            return chips;
          }

          /** Fills the shared figures of a tile or the totals from a queue-shaped object. */
          function updateFigures(record, figures, reportAt) {
            const fields = record.fields;
            setText(fields.waiting, count(figures.waiting));
            // The longest wait started longestWaitMs before the figures' own `at`.
            const at = Date.parse(figures.at) || reportAt;
            record.waitStart = figures.waiting > 0 && isNumber(figures.longestWaitMs) && isNumber(at)
              ? at - figures.longestWaitMs : null;
            record.longestWaitMs = figures.longestWaitMs;
            showWait(record);
            for (const [key] of AGENT_FIGURES) setText(fields[key], count(figures[key]));
            const today = figures.today || {};
            setText(fields.serviceLevel, percent(today.serviceLevel));
            for (const [key, , format] of TODAY_FIGURES) setText(fields[key], format(today[key]));
            // Withdrawn agents by reason: chips "lunch 2", redrawn only when they change.
            const reasons = Object.entries(figures.withdrawnByReason || {})
              .filter(([, n]) => n > 0).sort(([a], [b]) => compare(a, b));
            const key = JSON.stringify(reasons);
            if (record.reasonsKey !== key) {
              record.reasonsKey = key;
              fields.withdrawnByReason.replaceChildren(...reasons.map(([reason, n]) => {
                const chip = make('span', 'chip', reason + ' ' + n);
                chip.dataset.reason = reason;
                return chip;
              }));
            }
          }
          function showWait(record) {
            const ms = record.waitStart === null ? record.longestWaitMs : serverNow() - record.waitStart;
            setText(record.fields.longestWaitMs, minutesSeconds(ms));
          }

          // ---- Totals strip ----
          // The big three, then the agents by state, then today's calls, then withdrawn by reason.
          const totals = { fields: {}, waitStart: null };
          const majors = make('div', 'majors');
          majors.append(
            figure(totals.fields, 'waiting', 'waiting', 'major'),
            figure(totals.fields, 'longestWaitMs', 'longest wait', 'major'),
            figure(totals.fields, 'serviceLevel', 'service level today', 'major'));
          const agentTotals = make('div', 'grid');
          agentTotals.append(...AGENT_FIGURES.map(([key, label, state]) => figure(totals.fields, key, label, 'small', state)));
          const todayTotals = make('div', 'grid today');
          todayTotals.append(...TODAY_FIGURES.map(([key, label]) => figure(totals.fields, key, label, 'small')));
          document.getElementById('totals').append(majors, agentTotals, todayTotals, reasonChips(totals.fields));

          // ---- Queue tiles ----
          /** How much a queue needs attention: alert when calls wait and nobody can take one. */
          function urgency(queue) {
            const serviceLevel = queue.today ? queue.today.serviceLevel : null;
            if (queue.waiting > 0 && !(queue.routable > 0)) return 'alert';
            if (queue.waiting > 0 || (isNumber(serviceLevel) && serviceLevel < SERVICE_LEVEL_TARGET)) return 'busy';
            if (!(queue.staffed > 0)) return 'idle';
            return 'ok';
          }
          function createTile(queueId) {
            const record = { el: make('article', 'tile'), fields: {}, waitStart: null };
            const fields = record.fields;
            record.el.dataset.queue = queueId;
            const head = make('header', 'tile-head');
            fields.name = make('h2');
            fields.name.dataset.field = 'name';
            head.append(fields.name, figure(fields, 'serviceLevel', 'service level today', 'major'));
            const main = make('div', 'tile-main');
            main.append(figure(fields, 'waiting', 'waiting', 'huge'), figure(fields, 'longestWaitMs', 'longest wait', 'major'));
            const agentFigures = make('div', 'figures');
            agentFigures.append(...AGENT_FIGURES.map(([key, label, state]) => figure(fields, key, label, 'inline', state)));
            const todayFigures = make('div', 'figures');
            todayFigures.append(...TODAY_FIGURES.map(([key, label]) => figure(fields, key, label, 'inline')));
            record.el.append(head, main, agentFigures, reasonChips(fields), todayFigures);
            return record;
          }
          function updateTile(record, queue, reportAt) {
            setText(record.fields.name, String(queue.name ?? queue.queueId));
            setData(record.el, 'urgency', urgency(queue));
            updateFigures(record, queue, reportAt);
          }

          // ---- Agent rows ----
          /** The colour of an agent: its call activity when busy, else its presence. */
          function agentState(agent) {
            if (['ringing', 'on-call', 'wrap-up'].includes(agent.activity)) return agent.activity;
            if (agent.presence === 'ready') return 'available';
            return agent.presence === 'withdrawn' ? 'withdrawn' : 'unavailable';
          }
          function createAgent(agentId) {
            const record = { el: make('div', 'agent'), fields: {}, since: NaN };
            record.el.dataset.agent = agentId;
            record.el.setAttribute('role', 'row');
            for (const key of ['agentId', 'displaySince', 'display', 'queues']) {
              const cell = make('span');
              cell.dataset.field = key;
              cell.setAttribute('role', 'cell');
              record.fields[key] = cell;
              record.el.append(cell);
            }
            record.fields.agentId.textContent = agentId;
            return record;
          }
          function updateAgent(record, agent) {
            setData(record.el, 'state', agentState(agent));
            setText(record.fields.display, String(agent.display ?? DASH));
            record.since = Date.parse(agent.displaySince);
            showSince(record);
            setText(record.fields.queues, Array.isArray(agent.queues) ? agent.queues.join(', ') : '');
          }
          function showSince(record) {
            setText(record.fields.displaySince, hoursMinutesSeconds(serverNow() - record.since));
          }

          // ---- Keyed lists: update the elements that stay, add the new, remove the gone ----
          /**
           * Makes `parent`'s children one element per item, in id order. `records` maps an id to
           * its record ({el, …}) across renders, so 5000 rows are updated in place, not redrawn.
           */
          function reconcile(parent, records, items, idOf, create, update) {
            const byId = new Map();
            for (const item of Array.isArray(items) ? items : []) {
              if (typeof idOf(item) === 'string') byId.set(idOf(item), item);
            }
            for (const [id, record] of records) {
              if (!byId.has(id)) { record.el.remove(); records.delete(id); }
            }
            let cursor = parent.firstElementChild;
            for (const id of [...byId.keys()].sort(compare)) {
              let record = records.get(id);
              if (!record) { record = create(id); records.set(id, record); }
              update(record, byId.get(id));
              if (record.el === cursor) cursor = cursor.nextElementSibling;
              else parent.insertBefore(record.el, cursor);
            }
          }

          // ---- Rendering a live report ----
          const queuesElement = document.getElementById('queues');
          const agentsElement = document.getElementById('agents');
          const tiles = new Map();
          const agents = new Map();
          // `sentAt`: the service's clock when it sent the report (the event's id), which
          // may be later than the report's `at` when nothing changed for a while.
          function render(report, sentAt) {
            if (!report || typeof report !== 'object') return;
            const at = Date.parse(report.at);
            if (isNumber(sentAt) && sentAt > 0) skew = sentAt - Date.now();
            else if (isNumber(at)) skew = at - Date.now();
            setText(document.getElementById('updated'),
              isNumber(at) ? 'updated ' + new Date(at).toLocaleTimeString([], { hour12: false }) : '');
            reconcile(queuesElement, tiles, report.queues, queue => queue.queueId, createTile,
              (record, queue) => updateTile(record, queue, at));
            reconcile(agentsElement, agents, report.agents, agent => agent.agentId, createAgent, updateAgent);
            updateFigures(totals, report.totals || {}, at);
            setText(document.getElementById('agent-count'), String(agents.size));
            const waiting = report.totals && report.totals.waiting;
            document.title = isNumber(waiting) && waiting > 0 ? waiting + ' waiting · Contact centre' : 'Contact centre';
          }

          // Waits and times in state tick between reports.
          setInterval(() => {
            if (totals.waitStart !== null) showWait(totals);
            for (const record of tiles.values()) if (record.waitStart !== null) showWait(record);
            for (const record of agents.values()) showSince(record);
          }, 1000);

          // ---- The live stream ----
          const connection = document.getElementById('connection');
          const CONNECTION_TEXT = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' };
          function showConnection(state) {
            setData(connection, 'state', state);
            setText(connection, CONNECTION_TEXT[state]);
          }
          // EventSource reconnects by itself (after the stream's `retry`); only when it gives up
          // (CLOSED: an HTTP error, say) is a new one made, 2 s later.
          function connect() {
            let source;
            try {
              source = new EventSource('/api/live/events');
            } catch (error) {
              showConnection('reconnecting');
              setTimeout(connect, 2000);
              return;
            }
            source.onopen = () => showConnection('live');
            source.addEventListener('live', event => {
              showConnection('live');
              try {
                render(JSON.parse(event.data), Number(event.lastEventId));
              } catch (error) {
                console.error('wall-board: cannot show a live report', error);
              }
            });
            source.onerror = () => {
              showConnection('reconnecting');
              if (source.readyState === EventSource.CLOSED) {
                source.onerror = null;
                setTimeout(connect, 2000);
              }
            };
          }

          window.wallboard = Object.freeze({ render });
          connect();
        })();
        </script>
        </body>
        </html>
        """#
}
