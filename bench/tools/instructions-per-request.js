import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import autocannon from 'autocannon';
import { floorLabel, startFloor } from '../lib/floor-target.js';
import { expectJson, issueKey, logIn } from '../lib/rampart-client.js';
import { startServer } from '../lib/server-process.js';
import { readInteger } from '../lib/settings.js';

/**
 * `node bench/tools/instructions-per-request.js [scenario...] [--top N]`, after
 * `npm run build`: the machine instructions a server executes per request, counted by
 * valgrind's callgrind (Debian: `apt-get install valgrind`), for Rampart, for bare Fastify,
 * and for the floor (bare Fastify with Rampart's security headers, request id and request
 * line, bench/servers/fastify-floor-server.js), all three answering the same request with
 * the same body. Scenarios: `protected-route`,
 * `api-key`, `me-endpoint` (default: the first two).
 *
 * Why: on a shared virtual machine the req/s ratios of `npm run bench` move by more than
 * the gaps they judge (BENCHMARKS.md, "A slow machine"), and the machine has no hardware
 * counters for `perf stat`. An instruction count does not depend on what else the machine
 * is doing: it is a cost that two runs, or two commits, can be compared on. It is not a
 * time: a cache miss or a system call costs more than its instructions, and the kernel's
 * share of a request is not counted. The throughput targets stay in `npm run bench`.
 *
 * Each server runs under valgrind (about fifty times slower) in its own process, the three
 * at once, with V8 single-threaded so that compiling and collecting happen at the same
 * points in every run. One load of
 * `INSTR_WARMUP + INSTR_REQUESTS` requests on 20 keep-alive connections; counting starts
 * after the warm-up (V8 has compiled the hot path by then) and stops after
 * `INSTR_REQUESTS` more. Each server runs with `--expose-gc` and is asked for a full
 * collection 20,000 responses before the window, so that no major collection falls
 * inside it by chance. The table splits out what V8's garbage collector and optimising
 * compiler executed in the window; the rest moved by 1 % between two runs of one commit.
 *
 * `--top N` prints each server's N most expensive functions (own instructions per
 * request, with the V8 builtins and runtime functions they call directly; JavaScript
 * functions named through `--perf-basic-prof-only-functions`).
 *
 * | Variable           | Default | Meaning                                                     |
 * | ------------------ | ------- | ----------------------------------------------------------- |
 * | `INSTR_WARMUP`     | 100000  | requests before counting starts                             |
 * | `INSTR_REQUESTS`   | 10000   | requests counted                                            |
 * | `INSTR_OVERRIDES`  | unset   | JSON merged into Rampart's configuration (e.g. `{"log":{"level":"warn"}}`) |
 * | `INSTR_TRACE_DEOPT`| unset   | `1` lists V8's deoptimisations inside the counted window     |
 */

const servers = {
  rampart: new URL('../servers/rampart-server.js', import.meta.url),
  fastify: new URL('../servers/fastify-server.js', import.meta.url),
};
/** The three targets counted in each scenario, in the order of the tables. */
const targets = [
  { id: 'rampart', label: 'Rampart' },
  { id: 'fastify', label: 'bare Fastify' },
  { id: 'floor', label: floorLabel },
];
const resultsDir = new URL('../results/instructions/', import.meta.url).pathname;
const ordersBody = { items: [{ id: 'ord_1', amount: 4200, currency: 'EUR' }], next: null };

const settings = {
  warmup: readInteger(process.env, 'INSTR_WARMUP', 100_000, 1, 10_000_000),
  requests: readInteger(process.env, 'INSTR_REQUESTS', 10_000, 1, 10_000_000),
  overrides: process.env.INSTR_OVERRIDES ? JSON.parse(process.env.INSTR_OVERRIDES) : undefined,
};

/** Each scenario: Rampart's input, and how to make its request once Rampart is up. */
const scenarios = {
  'protected-route': {
    input: {
      roles: ['DEVELOPER'],
      protectedRoute: { body: ordersBody },
      rateLimit: {
        routes: [
          { method: 'GET', url: '/api/orders', limit: 1_000_000, window: 60, key: ['user'] },
        ],
      },
    },
    async request(rampart) {
      const token = await logIn(rampart);
      return {
        path: '/api/orders',
        headers: { authorization: `Bearer ${token}` },
        body: ordersBody,
      };
    },
  },
  'api-key': {
    input: { roles: ['DEVELOPER'] },
    async request(rampart) {
      const { key, body } = await issueKey(rampart);
      return { path: '/v1/auth/whoami', headers: { authorization: `Bearer ${key}` }, body };
    },
  },
  'me-endpoint': {
    input: {},
    async request(rampart) {
      const headers = { authorization: `Bearer ${await logIn(rampart)}` };
      const body = await expectJson(await fetch(`${rampart.url}/v1/me`, { headers }), 'GET /v1/me');
      return { path: '/v1/me', headers, body };
    },
  },
};

// INSTR_TRACE_DEOPT=1: V8 reports each deoptimisation; those inside the counted window are
// listed after the table (the server's stdout, request lines included, goes to a file).
const traceDeopt = process.env.INSTR_TRACE_DEOPT === '1';
const stdoutOf = (label) => `${resultsDir}${label}.stdout.log`;
const startMark = '=== counting starts ===';
const stopMark = '=== counting stops ===';

function underCallgrind(label) {
  return {
    ...(traceDeopt ? { stdout: stdoutOf(label) } : {}),
    execPath: 'valgrind',
    execArgv: [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${resultsDir}${label}.%p.callgrind`,
      `--log-file=${resultsDir}${label}.%p.valgrind.log`,
      'node',
      '--single-threaded',
      '--expose-gc',
      '--perf-basic-prof-only-functions',
      ...(traceDeopt ? ['--trace-deopt'] : []),
    ],
    readyTimeoutMs: 600_000,
  };
}

function callgrindControl(pid, ...args) {
  execFileSync('callgrind_control', [...args, String(pid)], { stdio: 'ignore' });
}

/**
 * One load against the server; counting runs from response `warmup` to response
 * `warmup + requests`, and the load stops after that (its connections close only then:
 * a closing socket takes paths of Node's stream code that V8 then compiles again).
 * callgrind_control blocks this process while it switches, so no response is taken in
 * between: the counted window holds `requests` responses, give or take the 20 in flight.
 */
async function countedLoad(server, request, label) {
  const mark = (line) => {
    if (traceDeopt) appendFileSync(stdoutOf(label), `\n${line}\n`);
  };
  const { warmup, requests } = settings;
  // A full collection some way before the window: without it, whether a major GC (and
  // the deoptimisations of code whose maps it frees, and their recompilation) falls inside
  // the 10,000 counted requests is chance, and moved "rest" by 10 % between runs. The
  // lead gives V8 time to compile again what the collection threw away.
  const collectAt = Math.max(1, warmup - Math.min(20_000, Math.floor(warmup / 2)));
  let collecting;
  let answered = 0;
  let failure;
  const instance = autocannon({
    url: `${server.url}${request.path}`,
    headers: request.headers,
    connections: 20,
    duration: 24 * 3600,
    // Under valgrind a full collection takes tens of seconds, with requests in flight.
    timeout: 600,
  });
  const done = new Promise((resolve) => instance.on('done', resolve));
  instance.on('response', (_client, status) => {
    if (status !== 200) failure ??= new Error(`HTTP ${status} from ${server.url}${request.path}`);
    answered++;
    if (answered === collectAt) {
      collecting = server.collectGarbage().then((collected) => {
        if (!collected) throw new Error(`${label}: the server has no gc() (--expose-gc)`);
      });
      collecting.catch((error) => {
        failure ??= error;
      });
    }
    if (answered === warmup) {
      callgrindControl(server.pid, '--instr=on');
      mark(startMark);
    }
    if (answered === warmup + requests) {
      callgrindControl(server.pid, '--instr=off');
      mark(stopMark);
      instance.stop();
    }
  });
  const result = await done;
  await collecting;
  if (failure) throw failure;
  if (result.errors || result.timeouts) throw new Error(`load errors against ${server.url}`);
  callgrindControl(server.pid, '--dump');
}

/** JavaScript function names by code address, from V8's perf map of the process. */
function jitNames(pid) {
  let text;
  try {
    text = readFileSync(`/tmp/perf-${pid}.map`, 'utf8');
  } catch {
    return () => undefined;
  }
  // V8 appends to the map as it compiles, and reuses the memory of code it freed (a full
  // collection frees much of it): an address can lie in several entries, and the code
  // there in the window is the one compiled last. So the entries are searched newest
  // first (the dump names a few thousand addresses; each is looked up once).
  const entries = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [start, size, ...name] = line.split(' ');
    const from = Number.parseInt(start, 16);
    entries.push({ start: from, end: from + Number.parseInt(size, 16), name: name.join(' ') });
  }
  const names = new Map();
  return (address) => {
    if (names.has(address)) return names.get(address);
    let name;
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i];
      if (address >= entry.start && address < entry.end) {
        name = entry.name;
        break;
      }
    }
    names.set(address, name);
    return name;
  };
}

const gcPattern =
  /Scaveng|Evacuat|SemiSpace|NewSpace|YoungGeneration|Marking|MarkCompact|Sweep|Heap::|GCTracer|Compactor|RememberedSet|SlotSet|MemoryChunk|WeakObjects/;
const compilerPattern =
  /compiler::|Turbofan|Maglev|CodeGenerator|InstructionSelector|RegisterAllocat/;
const callPattern =
  /^Builtins_(Call|CallFunction|CallBound|InterpreterEntry|BaselineOutOfLine|CompileLazy|JSEntry|RunMicrotasks|ResumeGenerator|AsyncFunction|Promise|Await)/;

/**
 * Reads a callgrind dump: each function's own instructions (self), and the inclusive
 * instructions of each call it makes.
 */
function readDump(file, nameOfAddress) {
  const names = new Map();
  const self = new Map();
  const calls = new Map();
  const resolve = (token) => {
    const match = /^\((\d+)\)(?: (.*))?$/.exec(token);
    if (!match) return token;
    if (match[2] !== undefined) {
      let name = match[2];
      const address = /^0x([0-9a-f]+)$/.exec(name);
      if (address) name = nameOfAddress(Number.parseInt(address[1], 16)) ?? name;
      names.set(match[1], name);
    }
    return names.get(match[1]);
  };
  let current;
  let callee;
  let total = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) current = resolve(line.slice(3));
    else if (line.startsWith('cfn=')) callee = resolve(line.slice(4));
    else if (line.startsWith('totals:')) total = Number(line.slice(7));
    else if (/^[\d+*-]/.test(line)) {
      const cost = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (callee !== undefined) {
        const own = calls.get(current) ?? new Map();
        own.set(callee, (own.get(callee) ?? 0) + cost);
        calls.set(current, own);
        callee = undefined;
      } else {
        self.set(current, (self.get(current) ?? 0) + cost);
      }
    }
  }
  return { total, self, calls };
}

function summarize(dump, requests) {
  let gc = 0;
  let compiler = 0;
  for (const [name, cost] of dump.self) {
    if (gcPattern.test(name)) gc += cost;
    else if (compilerPattern.test(name)) compiler += cost;
  }
  // A JavaScript function's own cost: its instructions and those of the builtins and
  // runtime functions it calls directly, but not of the JavaScript functions it calls.
  const own = [];
  for (const name of new Set([...dump.self.keys(), ...dump.calls.keys()])) {
    if (!name?.startsWith('JS:')) continue;
    let cost = dump.self.get(name) ?? 0;
    for (const [callee, inclusive] of dump.calls.get(name) ?? []) {
      if (!callee.startsWith('JS:') && !callee.startsWith('0x') && !callPattern.test(callee))
        cost += inclusive;
    }
    own.push({
      name: name.replace(/(?:file:\/\/)?\/\S*?\/(dist|node_modules)\//, '$1/'),
      perRequest: cost / requests,
    });
  }
  own.sort((a, b) => b.perRequest - a.perRequest);
  return {
    perRequest: dump.total / requests,
    gc: gc / requests,
    compiler: compiler / requests,
    rest: (dump.total - gc - compiler) / requests,
    functions: own,
  };
}

/** Counts `ask` against a started server and summarises the window's dump. */
async function count(server, label, ask) {
  await countedLoad(server, ask, label);
  const prefix = `${label}.${server.pid}.callgrind.`;
  const dumps = readdirSync(resultsDir).filter((f) => f.startsWith(prefix));
  if (dumps.length !== 1) throw new Error(`expected one dump of ${label}, found ${dumps.length}`);
  return summarize(readDump(`${resultsDir}${dumps[0]}`, jitNames(server.pid)), settings.requests);
}

async function runScenario(name) {
  const scenario = scenarios[name];
  const started = [];
  try {
    // Rampart first, alone while it starts (argon2, migrations); its request then tells
    // the other two what to answer, and the three are counted at once.
    const rampart = await startServer(servers.rampart, {
      input: {
        ...scenario.input,
        ...(settings.overrides ? { overrides: settings.overrides } : {}),
      },
      ...underCallgrind(`${name}-rampart`),
    });
    started.push(rampart);
    const ask = await scenario.request(rampart);
    const fastify = await startServer(servers.fastify, {
      input: { body: ask.body, path: ask.path },
      ...underCallgrind(`${name}-fastify`),
    });
    started.push(fastify);
    // Bare Fastify with Rampart's security headers, request id and request line (its own
    // code, from dist/): the part of Rampart's cost that no configuration removes.
    const floor = await startFloor(settings, ask.body, ask.path, underCallgrind(`${name}-floor`));
    started.push(floor);
    const [rampartResult, fastifyResult, floorResult] = await Promise.all([
      count(rampart, `${name}-rampart`, ask),
      count(fastify, `${name}-fastify`, ask),
      count(floor, `${name}-floor`, ask),
    ]);
    return { name, rampart: rampartResult, fastify: fastifyResult, floor: floorResult };
  } finally {
    for (const server of started.reverse()) await server.stop();
  }
}

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt === -1 ? 0 : Number(args.splice(topAt, 2)[1]);
const chosen = args.length > 0 ? args : ['protected-route', 'api-key'];
for (const name of chosen) {
  if (!scenarios[name]) {
    process.stderr.write(
      `unknown scenario "${name}"; known: ${Object.keys(scenarios).join(', ')}\n`,
    );
    process.exit(2);
  }
}
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  process.stderr.write('valgrind is not installed (Debian: apt-get install valgrind)\n');
  process.exit(2);
}
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

const fmt = (n) => Math.round(n).toLocaleString('en-US');
/**
 * GC instructions per request above which the window held a major collection: young-
 * generation collections cost 600–1,500 per request here, and one full collection inside
 * the window of 10,000 requests added ~110,000 per request (BENCHMARKS.md, "Cache-Control:
 * no-store on authenticated answers").
 */
const majorCollectionShare = 10_000;
const results = [];
for (const name of chosen) {
  process.stderr.write(
    `${name}: ${settings.warmup} requests of warm-up, ${settings.requests} counted…\n`,
  );
  const result = await runScenario(name);
  results.push(result);
  const { rampart, fastify, floor } = result;
  console.log(
    `\n${name}${settings.overrides ? ` (overrides ${JSON.stringify(settings.overrides)})` : ''}`,
  );
  console.log('| Server | Instructions per request | GC | Compiler | Rest |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const { id, label } of targets) {
    const r = result[id];
    console.log(
      `| ${label} | ${fmt(r.perRequest)} | ${fmt(r.gc)} | ${fmt(r.compiler)} | ${fmt(r.rest)} |`,
    );
  }
  const ratio = (a, b) =>
    `${(a.perRequest / b.perRequest).toFixed(2)} (all), ${(a.rest / b.rest).toFixed(2)} (without GC and compiler)`;
  console.log(`Bare Fastify / Rampart: ${ratio(fastify, rampart)}`);
  console.log(`Bare Fastify / the floor: ${ratio(fastify, floor)}`);
  console.log(`The floor / Rampart: ${ratio(floor, rampart)}`);
  for (const { id, label } of targets) {
    if (result[id].gc <= majorCollectionShare) continue;
    console.log(
      `warning: a major collection fell inside ${label}'s counted window (GC ${fmt(result[id].gc)} per request, where young-generation collections alone cost ~1,000); its "rest" also holds the deoptimisations and recompilation that follow one. Count again.`,
    );
  }
  if (traceDeopt) {
    for (const { id } of targets) {
      const label = `${name}-${id}`;
      const text = readFileSync(stdoutOf(label), 'utf8');
      const window = text.slice(text.indexOf(startMark), text.indexOf(stopMark));
      const deopts = window
        .split('\n')
        .filter((l) => l.startsWith('[bailout') || l.startsWith('[marking dependent'))
        .map((l) =>
          l
            .replace(/0x[0-9a-f]+ /g, '')
            .replace(/, (opt id|bytecode offset|deopt exit|FP to SP).*$/, ''),
        );
      console.log(`\n${label}: ${deopts.length} deoptimisations in the counted window`);
      for (const d of deopts.slice(0, 40)) console.log(`  ${d.slice(0, 200)}`);
    }
  }
  if (top > 0) {
    for (const { id, label } of targets) {
      console.log(`\n${label}: the ${top} most expensive functions (own instructions per request)`);
      for (const f of result[id].functions.slice(0, top))
        console.log(`${fmt(f.perRequest).padStart(8)}  ${f.name}`);
    }
  }
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(
  new URL(`../results/${stamp}-instructions.json`, import.meta.url),
  `${JSON.stringify(
    {
      settings,
      results: results.map((r) => {
        const kept = { name: r.name };
        for (const { id } of targets)
          kept[id] = { ...r[id], functions: r[id].functions.slice(0, 200) };
        return kept;
      }),
    },
    null,
    2,
  )}\n`,
);
