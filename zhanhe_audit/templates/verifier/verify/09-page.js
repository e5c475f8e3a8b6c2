// ---- the page ----
const ui = {
  table: null,
  row(archive, id, title, status, detail) {
    const tr = document.createElement('tr');
    tr.dataset.archive = archive;
    tr.dataset.check = id;
    tr.dataset.status = status;
    tr.className = 'status-' + status.replace(' ', '-').toLowerCase();
    for (const text of [title, STATUS_TEXT[status], detail]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.appendChild(td);
    }
    this.table.appendChild(tr);
  },
};

let chosen = new Map(); // path -> File, as chosen or dropped
let extra = {};
let published = new Map(); // the public folder's files (step 3), path -> File, as chosen
const $ = (id) => document.getElementById(id);

function setChosen(files) {
  chosen = files;
  const archives = findArchives(chosen);
  $('chosen').textContent = archives.length
    ? `已选择 chosen: ${archives.map((a) => a.name).join(', ')}（${chosen.size} 个文件 files）`
    : `所选文件夹中没有归档 no archive (manifest.json and draw/draw.json) in the ${chosen.size} chosen files`;
  $('run').disabled = !archives.length;
}

function fromInput(list) {
  const files = new Map();
  for (const file of list) files.set(file.webkitRelativePath || file.name, file);
  return files;
}

async function fromDrop(items) {
  const files = new Map();
  const walk = async (entry, path) => {
    if (entry.isFile) {
      files.set(path + entry.name, await new Promise((ok, no) => entry.file(ok, no)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, no) => reader.readEntries(ok, no));
        if (!batch.length) break;
        for (const child of batch) await walk(child, `${path}${entry.name}/`);
      }
    }
  };
  for (const entry of [...items].map((item) => item.webkitGetAsEntry && item.webkitGetAsEntry()).filter(Boolean)) await walk(entry, '');
  return files;
}

async function start() {
  $('run').disabled = true;
  document.body.dataset.state = 'running';
  ui.table = $('results');
  ui.table.replaceChildren();
  $('verdict').textContent = '';
  const bar = $('progress');
  const label = $('progress-label');
  const archives = findArchives(chosen);
  const runs = [];
  const began = performance.now();
  label.textContent = '准备线程 starting the threads';
  const count = await startThreads(); // 02-sha256.js: workers where the browser allows them, else 1
  const newest = archives[archives.length - 1].name;
  const given = { seed: $('announced-seed').value, head: $('announced-head').value, newest };
  $('anchors').replaceChildren();
  for (const [index, archive] of archives.entries()) {
    const run = new Run(archive, extra, ui);
    run.self = archive;
    run.all = archives;
    run.announced = { ...given, forThis: archive.name === newest && Boolean(given.seed || given.head) };
    run.published = published; // compared in 'public' (16-public.js)
    runs.push(run);
    const progress = (share, text) => {
      bar.value = (index + share) / archives.length;
      label.textContent = `${archive.name}: ${text}`;
    };
    try {
      await verifyArchive(run, progress);
    } catch (error) {
      run.add('page', '核验页面 page', 'FAIL', `本页面出错 the page failed: ${error}`);
    }
  }
  bar.value = 1;
  for (const run of runs) showAnchors(run);
  const failed = runs.some((run) => run.results.some((r) => r.status === 'FAIL'));
  const unchecked = runs.flatMap((run) => run.results.filter((r) => r.status === 'NOT CHECKED'));
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  label.textContent = `完成 done in ${seconds} s，${threadsText(count)}`;
  $('verdict').textContent = failed ? '未通过 FAIL：见标红的检查项 see the checks marked FAIL'
    : `通过 PASS${unchecked.length ? `（${unchecked.length} 项未核验，原因见说明 not checked here, each with its reason）` : ''}`;
  $('verdict').className = failed ? 'verdict fail' : 'verdict pass';
  document.body.dataset.seconds = seconds;
  document.body.dataset.threads = String(count);
  document.body.dataset.verdict = failed ? 'FAIL' : 'PASS';
  document.body.dataset.state = 'done';
  $('run').disabled = false;
}

/** The box at the top of the verdict: each archive's seed, draw manifest digest and chain head, to compare
    with what was announced. */
function showAnchors(run) {
  if (!run.anchors) return;
  const { seed, draw, head, headPath, records, created } = run.anchors;
  const box = document.createElement('div');
  box.className = 'anchors';
  box.dataset.archive = run.name;
  const lines = [
    [`${run.name}`, ''],
    ['种子 seed', visible(seed)],
    ['抽取清单 draw manifest (SHA-256)', draw],
    ['链头 chain head (SHA-256)', `${head}（${headPath}；${records} 条记录 record(s)；写于 written ${created}）`],
  ];
  for (const [label, value] of lines) {
    const line = document.createElement('div');
    const name = document.createElement('b');
    name.textContent = label;
    line.appendChild(name);
    if (value) {
      const code = document.createElement('code');
      code.textContent = value;
      code.dataset.anchor = label.split(' ')[0];
      line.append(' ', code);
    }
    box.appendChild(line);
  }
  $('anchors').appendChild(box);
}

function init() {
  if (!window.crypto || !crypto.subtle) {
    $('chosen').textContent = '此浏览器不提供 WebCrypto，无法核验 this browser has no WebCrypto: use a current Chromium, Edge or Firefox';
    return;
  }
  $('archive').addEventListener('change', (event) => setChosen(fromInput(event.target.files)));
  $('project').addEventListener('change', (event) => {
    extra = Object.fromEntries([...event.target.files].map((file) => [file.name, file]));
    $('project-chosen').textContent = `${Object.keys(extra).length} 个文件 files: ${Object.keys(extra).join(', ')}`;
  });
  $('public').addEventListener('change', (event) => {
    published = fromInput(event.target.files);
    const folders = sorted(new Set([...published.keys()].map((path) => path.split('/').slice(0, -1).join('/') || '.')));
    $('public-chosen').textContent = `已选择 chosen: ${folders.join(', ')}（${published.size} 个文件 files）`;
  });
  const zone = $('drop');
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', async (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    setChosen(await fromDrop(event.dataTransfer.items));
  });
  $('run').addEventListener('click', () => { start(); });
  document.body.dataset.state = 'ready';
}
// In a worker (02-sha256.js), the same script only hashes: it has no page to set up.
if (typeof document === 'undefined') serveHashes(); else init();
