// ---- SHA-256 by WebCrypto ----
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex = (buffer) => {
  const bytes = new Uint8Array(buffer);
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += HEX[bytes[i]];
  return text;
};
const encoder = new TextEncoder();
const sha256 = async (bytes) => hex(await crypto.subtle.digest('SHA-256', bytes));
const CHUNK = 4096;
/** H(m) of every message on this thread, in batches (Promise.all), reporting progress. */
async function hashHere(messages, progress) {
  const out = new Array(messages.length);
  for (let start = 0; start < messages.length; start += CHUNK) {
    const part = messages.slice(start, start + CHUNK);
    const digests = await Promise.all(part.map((m) => crypto.subtle.digest('SHA-256', encoder.encode(m))));
    for (let i = 0; i < digests.length; i++) out[start + i] = hex(digests[i]);
    if (progress) progress(Math.min(start + CHUNK, messages.length) / messages.length);
  }
  return out;
}

// ---- the same hashing on more than one thread, where the browser has them ----
// WebCrypto answers each digest with a promise of its own, about 50,000 a second on one thread, and the tickets (one
// message an entity of each stratum) are most of the page's time. Where the browser allows it, hashAll splits the
// messages into shares hashed by Web Workers, each running this very script: a blob: URL made from the text of the
// page's own inline script (the one its policy allows by hash, checked again below), so no other code runs; a worker
// made so keeps the page's policy (no fetch, no connection). The digests are put back in the messages' order, so
// every ticket, verdict and message is what one thread gives. Where workers are refused (the policy, no Worker, a
// worker that does not start or answer wrongly), everything runs on the page's own thread, as before.
const OWN_SCRIPT = typeof document === 'undefined' ? null : document.currentScript;
const MAX_WORKERS = 4;
const SHARE = 16384; // messages a worker is given at a time (the progress bar moves between shares)
const PROBE = '种子 seed ✓\ndemo-2026Q4-T01\n91410411MA00000000'; // a worker must hash it as this thread does
const threads = { workers: [], started: null };

/** H(m) of every message, in the messages' order: split over the workers if there are, else on this thread. */
async function hashAll(messages, progress) {
  const { workers } = threads;
  if (!workers.length) return hashHere(messages, progress);
  const out = new Array(messages.length);
  const size = Math.min(SHARE, Math.ceil(messages.length / workers.length));
  let next = 0;
  let done = 0;
  const feed = async (worker) => {
    while (next < messages.length) {
      const start = next;
      next += size;
      const part = messages.slice(start, start + size);
      let digests;
      try { digests = await ask(worker, part); } catch (error) { digests = await hashHere(part); } // as one thread
      for (let i = 0; i < part.length; i++) out[start + i] = digests[i];
      done += part.length;
      if (progress) progress(done / messages.length);
    }
  };
  await Promise.all(workers.map(feed));
  return out;
}

/** The digests of ``messages`` from ``worker`` (one request at a time a worker). */
function ask(worker, messages) {
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => (Array.isArray(data.digests) && data.digests.length === messages.length
      ? resolve(data.digests) : reject(new Error(data.error || 'the worker answered wrongly')));
    worker.onerror = (event) => { event.preventDefault(); reject(new Error(event.message)); };
    worker.postMessage({ messages });
  });
}

/** In a worker: answer each share of messages with their digests, hashed as on the page's thread. */
function serveHashes() {
  self.onmessage = async ({ data }) => {
    try { self.postMessage({ digests: await hashHere(data.messages) }); } catch (error) { self.postMessage({ error: String(error) }); }
  };
}

/** How many threads hash: the workers started (at most MAX_WORKERS, at most the browser's cores), or 1. Started once,
 * at the first verification, and kept. */
function startThreads() {
  if (!threads.started) threads.started = launchWorkers().catch(() => 0).then((count) => count || 1);
  return threads.started;
}

async function launchWorkers() {
  const wanted = Math.min(navigator.hardwareConcurrency || 1, MAX_WORKERS);
  if (wanted < 2 || typeof Worker !== 'function' || !OWN_SCRIPT || !(await allowedByHash(OWN_SCRIPT.textContent))) return 0;
  const url = URL.createObjectURL(new Blob([OWN_SCRIPT.textContent], { type: 'text/javascript' }));
  const [expected] = await hashHere([PROBE]);
  const started = await Promise.all(Array.from({ length: wanted }, () => startWorker(url, expected)));
  URL.revokeObjectURL(url);
  const workers = started.filter(Boolean);
  if (workers.length < 2) {
    workers.forEach((worker) => worker.terminate());
    return 0;
  }
  threads.workers = workers;
  return workers.length;
}

/** Whether ``text`` is a script the page's policy allows by its SHA-256 (so the worker runs nothing else). */
async function allowedByHash(text) {
  const policy = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  return Boolean(policy) && policy.content.includes(`'sha256-${btoa(String.fromCharCode(...digest))}'`);
}

/** A worker running the page's script from ``url`` that hashed PROBE as this thread does (``expected``), or null:
 * refused, failed, silent for 10 s, or wrong. */
function startWorker(url, expected) {
  return new Promise((resolve) => {
    let worker = null;
    const give = (answer) => {
      clearTimeout(timer);
      if (!answer && worker) worker.terminate();
      resolve(answer ? worker : null);
    };
    const timer = setTimeout(() => give(false), 10000);
    try {
      worker = new Worker(url);
    } catch (error) {
      give(false);
      return;
    }
    ask(worker, [PROBE]).then(([digest]) => give(digest === expected), () => give(false));
  });
}

/** The threads a verification ran on, as the progress line shows it. */
const threadsText = (count) => (count > 1 ? `${count} 个线程 ${count} threads (Web Workers)` : '1 个线程 1 thread');
