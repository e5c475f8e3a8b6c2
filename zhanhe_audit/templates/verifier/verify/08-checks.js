// ---- the checks ----
const STATUS_TEXT = { PASS: '通过 PASS', FAIL: '未通过 FAIL', 'NOT CHECKED': '未核验 NOT CHECKED', NOTE: '说明 NOTE' };

class Run {
  constructor(archive, extra, ui) {
    Object.assign(this, archive);
    this.extra = extra; // the project's params and register files, by file name (optional)
    this.ui = ui;
    this.results = [];
  }
  add(id, title, status, detail) {
    this.results.push({ id, title, status, detail });
    this.ui.row(this.name, id, title, status, detail);
  }
  async check(id, title, body) {
    try {
      const [status, detail] = await body();
      this.add(id, title, status, detail);
    } catch (error) {
      if (error instanceof Unsupported) this.add(id, title, 'NOT CHECKED', error.message);
      else if (error instanceof Problem) this.add(id, title, 'FAIL', error.message);
      else this.add(id, title, 'FAIL', `本页面无法完成此项 the page could not complete this check: ${error}`);
    }
  }
  passed(id) { return this.results.some((r) => r.id === id && r.status === 'PASS'); }
}

async function sealed(folder, base, shown) {
  const manifestPath = base + 'manifest.json';
  const sealPath = base + 'manifest.json.sha256';
  if (!folder.has(manifestPath)) throw new Problem(`${shown}manifest.json 缺失 is missing`);
  if (!folder.has(sealPath)) throw new Problem(`${shown}manifest.json.sha256 缺失 is missing`);
  const digest = await sha256(await folder.bytes(manifestPath));
  const seal = await folder.text(sealPath);
  if (seal !== `${digest}  manifest.json\n`) {
    throw new Problem(`${shown}manifest.json 的 SHA-256 为 has ${digest}，与 manifest.json.sha256 不符 ` +
      `(which holds '${seal.trim()}'): 清单被改动 the manifest was changed`);
  }
  return [await folder.json(manifestPath), digest];
}

/** The records appended to the archive (records/NNNN-kind/ with a manifest of its own), in their order. */
function recordNames(folder) {
  return [...folder.files.keys()].map((p) => /^records\/([^/]+)\/manifest\.json$/.exec(p))
    .filter((m) => m && RECORD_NAME.test(m[1])).map((m) => m[1])
    .sort((a, b) => Number(RECORD_NAME.exec(a)[1]) - Number(RECORD_NAME.exec(b)[1]));
}

/** Every check of one archive, one function a check as verify.py has them, in the page's order: each adds its
 * row(s) to ``run``; what a check recomputes goes into ``ctx`` (the draw record, params, tickets, registers, ...)
 * for the checks after it. */
async function verifyArchive(run, progress) {
  const records = recordNames(run.folder);
  const manifests = []; // {base, manifest, digest}: the archive's, then each record's

  // 1. the manifest's seal, the files, every file accounted for, the chain
  await checkManifest(run, manifests);
  if (!manifests.length) return;
  progress(0.02, '核对文件哈希 hashing the files');
  await checkFiles(run, manifests, records, progress);
  const quarter = manifests[0].manifest.quarter;
  await checkAccounted(run, manifests, quarter); // 13-accounted.js
  await checkChain(run, manifests, records, quarter);

  // 2. the inputs: draw record, params, freeze record; the seed
  const ctx = { run, quarter };
  await checkFreeze(run, ctx);
  if (!ctx.draw || !ctx.params) return;
  await checkParams(run, ctx);
  ctx.seed = ctx.params.seed;
  await checkSeedText(run, ctx.seed); // 15-announced.js

  // 3. tickets and selection, from the seed and each stratum's entities
  progress(0.25, '重算签号 recomputing the tickets');
  await checkTickets(run, ctx, progress);
  await checkSummary(run, ctx);

  // 4. eligibility, from the archived registers, params and history
  progress(0.6, '由名录重算抽查对象 re-deriving who was eligible');
  await checkEligibility(run, ctx);

  // 5. visits and inspectors
  progress(0.75, '重算检查人员 recomputing the inspectors');
  await checkInspectors(run, ctx);

  // 6. records appended later, and what is derived from the archive as a whole
  progress(0.88, '核对追加记录 checking the records');
  await checkRecords(run, records, ctx);
  await checkHistory(run, manifests[0].manifest, quarter); // 12-history.js
  await checkFairness(run, ctx, progress); // fairness/*.csv recomputed (10-fairness.js)
  await checkResults(run, records, ctx); // results records' content is re-validated in 'records' (11-results.js)
  await checkPublic(run, records, ctx); // the public files rebuilt and compared (16-public.js)
  await showGitOrder(run); // 10-fairness.js
  await checkPages(run, ctx); // 14-pages.js
  run.anchors = anchorsOf(manifests, ctx.seed, quarter);
  await checkAnnounced(run, manifests, quarter, run.anchors, run.announced); // 15-announced.js
  await checkVerifiers(run); // 13-accounted.js
  if (Object.keys(run.extra).length) await compareProject(run, quarter, ctx.registerFiles);
}

/** 'manifest': the archive's manifest.json matches its seal, manifest.json.sha256; it is added to ``manifests``. */
async function checkManifest(run, manifests) {
  await run.check('manifest', '清单自身 manifest', async () => {
    const [manifest, digest] = await sealed(run.folder, '', '');
    manifests.push({ base: '', manifest, digest });
    return ['PASS', `manifest.json 的 SHA-256 与 manifest.json.sha256 一致 matches its seal: ${digest}`];
  });
}

/** 'files': each record's sealed manifest (added to ``manifests``), then every file each manifest lists, against
 * it and its SHA256SUMS; no file in the archive outside every manifest. */
async function checkFiles(run, manifests, records, progress) {
  const { folder } = run;
  await run.check('files', '文件哈希 files', async () => {
    const problems = [];
    for (const name of records) {
      try {
        const [manifest, digest] = await sealed(folder, `records/${name}/`, `records/${name}/`);
        manifests.push({ base: `records/${name}/`, manifest, digest });
      } catch (error) { problems.push(error.message); }
    }
    const listed = new Set();
    let count = 0;
    let done = 0;
    const total = manifests.reduce((n, m) => n + Object.keys(m.manifest.files || {}).length, 0);
    for (const { base, manifest } of manifests) {
      listed.add(base + 'manifest.json').add(base + 'manifest.json.sha256').add(base + 'SHA256SUMS');
      const files = manifest.files || {};
      const sums = folder.has(base + 'SHA256SUMS') ? await folder.text(base + 'SHA256SUMS') : null;
      if (sums === null) problems.push(`${base}SHA256SUMS 缺失 is missing`);
      else if (await sha256(await folder.bytes(base + 'SHA256SUMS')) !== manifest.sha256sums) {
        problems.push(`${base}SHA256SUMS 与清单不符 does not match the manifest`);
      }
      const inSums = new Map((sums || '').split('\n').filter(Boolean).map((line) => [base + line.slice(66), line.slice(0, 64)]));
      for (const [path, digest] of Object.entries(files)) {
        listed.add(path);
        count++;
        if (!folder.has(path)) { problems.push(`${path} 缺失 is missing`); continue; }
        const actual = await sha256(await folder.bytes(path));
        if (actual !== digest) problems.push(`${path} 的 SHA-256 为 is ${actual}，清单记为 the manifest lists ${digest}: 文件被改动 it was changed`);
        else if (sums !== null && inSums.get(path) !== actual) problems.push(`${path}: SHA256SUMS 中的哈希不符 does not match SHA256SUMS`);
        if (++done % 16 === 0) progress(0.02 + 0.2 * (done / total), '核对文件哈希 hashing the files');
      }
      for (const path of inSums.keys()) if (!(path in files)) problems.push(`${path} 在 SHA256SUMS 中但不在清单中 is in SHA256SUMS but not in the manifest`);
    }
    for (const path of folder.files.keys()) {
      if (!listed.has(path)) problems.push(`${path} 在归档中但不在任何清单中 is in the archive but in no manifest`);
    }
    if (problems.length) throw new Problem(problems.slice(0, 5).join('; ') + (problems.length > 5 ? ` (+${problems.length - 5})` : ''));
    return ['PASS', `${count} 个文件与 ${manifests.length} 份清单及 SHA256SUMS 一致 files match their SHA-256 in ${manifests.length} manifest(s) and SHA256SUMS`];
  });
}

/** 'freeze': the archived registers, the params without the seed and the history match the freeze record. Reads
 * into ``ctx`` the draw record (``draw``), the freeze record (``freeze``), the params (``params``) and the
 * registers' archived paths (``registerFiles``), each as soon as it is read. */
async function checkFreeze(run, ctx) {
  const { folder } = run;
  const { quarter } = ctx;
  await run.check('freeze', '冻结记录 freeze', async () => {
    ctx.draw = await folder.json('draw/draw.json');
    const freezePath = `inputs/params/${quarter}.freeze.json`;
    const paramsPath = `inputs/params/${quarter}.yaml`;
    const freeze = await folder.json(freezePath);
    ctx.freeze = freeze;
    const data = loadYaml(await folder.text(paramsPath), paramsPath);
    ctx.params = readParams(data);
    ctx.params.raw = data;
    const registerFiles = {};
    ctx.registerFiles = registerFiles;
    const problems = [];
    for (const name of REGISTERS) {
      const entry = (freeze.registers || {})[name];
      if (!entry) { problems.push(`冻结记录没有名录 the freeze record has no register ${name}`); continue; }
      const path = `inputs/${entry.path}`;
      registerFiles[name] = path;
      if (!folder.has(path)) { problems.push(`${path} 缺失 is missing`); continue; }
      const digest = await sha256(await folder.bytes(path));
      if (digest !== entry.sha256) problems.push(`${path} 的 SHA-256 为 is ${digest}，冻结记录为 the freeze record holds ${entry.sha256}`);
    }
    const content = { ...data };
    delete content.seed;
    const digest = await sha256(encoder.encode(pyJson(content, 0, true)));
    if (digest !== freeze.params_without_seed_sha256) {
      problems.push(`${paramsPath} 除种子外的内容 without its seed has SHA-256 ${digest}，冻结记录为 the freeze record holds ${freeze.params_without_seed_sha256}`);
    }
    if (freeze.history) {
      const historyDigest = await sha256(await folder.bytes('inputs/history.csv'));
      if (historyDigest !== freeze.history.sha256) problems.push(`inputs/history.csv 的 SHA-256 为 is ${historyDigest}，冻结记录为 the freeze record holds ${freeze.history.sha256}`);
    }
    if (problems.length) throw new Problem(problems.join('; '));
    return ['PASS', `${REGISTERS.length} 份名录、参数（种子除外）${freeze.history ? '及历史' : ''}与冻结记录一致 the registers, ` +
      `the params without the seed${freeze.history ? ' and the history' : ''} match the freeze record of ${freeze.frozen_at}`];
  });
}

/** 'params': the params' quarter and seed, and draw/draw.json recomputed from the params, byte for byte. */
async function checkParams(run, ctx) {
  const { quarter, params, freeze } = ctx;
  await run.check('params', '参数与抽签记录 draw record', async () => {
    if (params.quarter !== quarter) throw new Problem(`参数的季度 the params' quarter is '${params.quarter}', not ${quarter}`);
    if (!params.seed) throw new Problem('参数中没有种子 the params hold no seed');
    const digits = [...params.seed].filter((c) => c >= '0' && c <= '9').length;
    if (digits < SEED_MIN_DIGITS) {
      throw new Problem(`种子只有 ${digits} 位数字 the seed has ${digits} decimal digits; at least ${SEED_MIN_DIGITS} are required`);
    }
    const expected = recordJson({
      protocol: PROTOCOL,
      quarter,
      demo: params.demo,
      seed: params.seed,
      seed_provenance: params.provenance,
      percent: Object.fromEntries(GRADES.map((g) => [g, params.percent[g]])),
      inspection: params.inspection,
      frequency: params.frequency,
      exclusions: params.exclusions,
      tasks: params.tasks.map((t) => ({ id: t.id, items: t.items, grades: t.grades, batches: t.batches })),
      registers: Object.fromEntries(REGISTERS.map((name) => [name, {
        path: freeze.registers[name].path, sha256: freeze.registers[name].sha256 }])),
    });
    const difference = firstDifference('draw/draw.json', expected, await run.folder.text('draw/draw.json'));
    if (difference) throw new Problem(`draw/draw.json 与参数不符 differs from the params: ${difference}`);
    return ['PASS', `draw/draw.json 由参数重算，逐字节一致 recomputed from inputs/params/${quarter}.yaml, identical byte for byte ` +
      `(种子 seed: “${params.seed}”)`];
  });
}

/** 'tickets': every ticket recomputed from the seed, ranked by (ticket, USCC), the quota selected and batched,
 * against draw/tickets.csv. Puts into ``ctx.tickets`` each stratum's rows, the selected and the summary's rows. */
async function checkTickets(run, ctx, progress) {
  const { params, seed } = ctx;
  await run.check('tickets', '签号、排序与中签 tickets and selection', async () => {
    const found = await run.folder.text('draw/tickets.csv');
    const rows = archiveRows(found, TICKETS_COLUMNS, 'draw/tickets.csv');
    const strata = new Map(params.tasks.flatMap((t) => t.grades.map((g) => [`${t.id}\n${g}`, []])));
    for (const row of rows) {
      const stratum = strata.get(`${row.task_id}\n${row.grade}`);
      if (!stratum) throw new Problem(`draw/tickets.csv 有参数中没有的层 has a stratum the params do not draw: ${row.task_id} ${row.grade}`);
      stratum.push(row.uscc);
    }
    const order = [];
    for (const [key, usccs] of strata) for (const u of usccs) order.push([key, u]);
    const digests = await hashAll(order.map(([key, u]) => `${seed}\n${key.split('\n')[0]}\n${u}`),
      (share) => progress(0.25 + 0.3 * share, `重算签号 recomputing the tickets: ${Math.round(share * order.length)} / ${order.length}`));
    const ranked = new Map([...strata.keys()].map((key) => [key, []]));
    order.forEach(([key, u], i) => ranked.get(key).push([digests[i], u]));
    const expected = [];
    const summary = [];
    const tickets = { strata: new Map(), selected: [] };
    ctx.tickets = tickets;
    for (const task of params.tasks) {
      for (const grade of task.grades) {
        const list = ranked.get(`${task.id}\n${grade}`).sort(compareTuples);
        const n = quota(list.length, params.percent[grade]);
        const stratum = list.map(([ticket, uscc], index) => {
          const rank = index + 1;
          const batch = task.batches && rank <= n ? ((rank - 1) % task.batches) + 1 : null;
          return { task: task.id, grade, uscc, ticket, rank, selected: rank <= n, batch };
        });
        tickets.strata.set(`${task.id}\n${grade}`, stratum);
        for (const t of stratum) {
          expected.push([t.task, grade, t.uscc, t.ticket, t.rank, t.selected ? 'true' : 'false', t.batch ?? '']);
          if (t.selected) tickets.selected.push(t);
        }
        const reason = belowFloor(params.percent[grade], grade) ? (params.justification[grade] || '') : '';
        summary.push([task.id, grade, list.length, params.percent[grade], FLOORS[grade], n, Math.min(n, list.length), reason]);
      }
    }
    tickets.summary = summary;
    const difference = firstDifference('draw/tickets.csv', csvText(TICKETS_COLUMNS, expected), found);
    if (difference) throw new Problem(difference);
    return ['PASS', `${rows.length} 张签由种子重算，排序、中签与批次一致 tickets recomputed from the seed: ranks by (ticket, USCC), ` +
      `selected = rank ≤ quota, batches (mode c), identical to draw/tickets.csv in ${strata.size} strata`];
  });
}

/** 'summary': each stratum's N, percentage, floor and quota, as the tickets gave them, against draw/summary.csv. */
async function checkSummary(run, ctx) {
  const { tickets } = ctx;
  await run.check('summary', '各层配额 quotas', async () => {
    if (!tickets) throw new Problem('签号未能重算 the tickets could not be recomputed');
    const difference = firstDifference('draw/summary.csv', csvText(SUMMARY_COLUMNS, tickets.summary), await run.folder.text('draw/summary.csv'));
    if (difference) throw new Problem(difference);
    return ['PASS', `${tickets.summary.length} 层的 N、百分比、下限、配额 n = ⌈N·p/100⌉（精确整数运算 exact BigInt arithmetic）与 draw/summary.csv 一致 ` +
      'quotas recomputed, identical to draw/summary.csv'];
  });
}

/** 'eligibility': who could be drawn, re-derived from the archived registers, params and history, against every
 * stratum of the tickets, draw/populations.csv, draw/excluded.csv and draw/match.csv. Puts into ``ctx`` the
 * registers (``registers``), the history (``history``) and each task's eligibility (``eligible``). */
async function checkEligibility(run, ctx) {
  const { folder } = run;
  const { params, registerFiles, tickets } = ctx;
  const year = Number(QUARTER.exec(ctx.quarter)[2]);
  await run.check('eligibility', '名录与抽查对象 eligibility', async () => {
    const tables = {};
    for (const name of REGISTERS) {
      const path = registerFiles[name];
      tables[name] = { shown: path, rows: registerTable(await folder.bytes(path), name, params.headers[name], path, params.values[name]) };
    }
    const registers = readRegisters(tables, params);
    ctx.registers = registers;
    const history = historyOf(archiveRows(await folder.text('inputs/history.csv'), HISTORY_COLUMNS, 'inputs/history.csv'));
    ctx.history = history;
    const eligible = params.tasks.map((task) => eligibility(task, registers, params, history, year));
    ctx.eligible = eligible;
    const populations = eligible.flatMap((e) => e.populations);
    const excluded = eligible.flatMap((e) => e.excluded);
    for (const [path, columns, rows] of [
      ['draw/populations.csv', POPULATIONS_COLUMNS, populations],
      ['draw/excluded.csv', EXCLUDED_COLUMNS, excluded],
    ]) {
      const difference = firstDifference(path, csvText(columns, rows), await folder.text(path));
      if (difference) throw new Problem(difference);
    }
    if (!tickets) throw new Problem('签号未能重算 the tickets could not be compared');
    for (const e of eligible) {
      for (const grade of e.task.grades) {
        const mine = new Set(e.population[grade].map((x) => x.uscc));
        const theirs = new Set(tickets.strata.get(`${e.task.id}\n${grade}`).map((t) => t.uscc));
        const extra = [...theirs].find((u) => !mine.has(u));
        const absent = [...mine].find((u) => !theirs.has(u));
        if (extra || absent) {
          throw new Problem(`draw/tickets.csv, ${e.task.id} ${grade}: ` + (extra
            ? `${extra} 有签但按名录不符合条件 has a ticket but is not eligible by the registers and params`
            : `${absent} 按名录符合条件但没有签 is eligible by the registers and params but has no ticket`));
        }
      }
    }
    const byTask = new Map(eligible.map((e) => [e.task.id, e]));
    const entities = new Map(registers.entities.map((x) => [x.uscc, x]));
    const match = tickets.selected.flatMap((t) => byTask.get(t.task).itemsFor.get(t.uscc).map((item) =>
      [t.task, t.uscc, item, joined(sorted(qualifyingTags(entities.get(t.uscc), registers.items.get(item))))]));
    const difference = firstDifference('draw/match.csv', csvText(MATCH_COLUMNS, match),
      await folder.text('draw/match.csv'));
    if (difference) throw new Problem(difference);
    return ['PASS', `由归档名录 ${registers.entities.length} 户、参数与历史重算：登记状态、事项范围（标签）、参数排除、频次上限 ` +
      `re-derived from the archived registers, params and history (status, scope of the items by tags, exclusions, frequency ` +
      `caps): every stratum of draw/tickets.csv, draw/populations.csv, draw/excluded.csv (${excluded.length}) and draw/match.csv identical`];
  });
}

/** 'inspectors': the archived visits break none of the inspector rules, and the visits and their inspectors (the
 * second random) recomputed from the draw are draw/visits.csv, draw/inspector_load.csv and draw/cap_exceptions.csv.
 * Not run when eligibility or the tickets failed. Puts into ``ctx.state`` the visits as the records start from. */
async function checkInspectors(run, ctx) {
  const { folder } = run;
  const { registers, eligible, tickets, params, history, quarter, seed } = ctx;
  await run.check('inspectors', '检查人员（第二个随机）inspectors', async () => {
    if (!registers || !eligible || !tickets) throw new Unsupported('抽查对象未能重算，检查人员无从重算 eligibility was not re-derived, so the visits cannot be');
    if (!run.passed('eligibility') || !run.passed('tickets')) {
      throw new Unsupported('抽查对象或签号与归档不符（见上），检查人员无从重算 the eligible entities or the tickets differ from the archive ' +
        '(see above), so the visits cannot be recomputed from them');
    }
    const rules = params.inspection;
    const archived = archiveRows(await folder.text('draw/visits.csv'), VISITS_COLUMNS, 'draw/visits.csv');
    const loadRows = archiveRows(await folder.text('draw/inspector_load.csv'), LOAD_COLUMNS, 'draw/inspector_load.csv');
    const caps = new Map(loadRows.filter((r) => r.cap !== '').map((r) => [r.department, Number(r.cap)]));
    const exceptionsFound = folder.has('draw/cap_exceptions.csv')
      ? archiveRows(await folder.text('draw/cap_exceptions.csv'), CAP_COLUMNS, 'draw/cap_exceptions.csv') : [];
    const breaches = ruleBreaches(archived, registers, rules, history, caps, exceptionsFound);
    const broken = Object.entries(breaches).filter(([, pairs]) => pairs.length);
    if (broken.length) {
      throw new Problem('draw/visits.csv 违反检查人员规则 breaks the inspector rules: ' +
        broken.map(([rule, pairs]) => `${RULE_NAMES[rule]}: ${pairs.slice(0, 3).join(', ')}`).join('; '));
    }
    const byTask = new Map(eligible.map((e) => [e.task.id, e]));
    const drawn = tickets.selected.map((t) => ({ task: t.task, uscc: t.uscc, ticket: t.ticket, batch: t.batch,
      items: byTask.get(t.task).itemsFor.get(t.uscc) }));
    const visits = planVisits(quarter, drawn, registers, 1);
    const recomputedCaps = workloadCaps(visits, registers, rules);
    const loads = new Map();
    const exceptions = await assign(seed, visits, registers, rules, history, recomputedCaps, loads);
    const texts = [['draw/visits.csv', csvText(VISITS_COLUMNS, visits.map(visitRow))],
      ['draw/inspector_load.csv', csvText(LOAD_COLUMNS, [...registers.inspectors.values()].map((i) => [i.cert, i.name,
        i.department, i.unit, i.certified ? '是' : '否', loads.get(i.cert) || 0, recomputedCaps.get(i.department) ?? '']))]];
    if (exceptions.length || folder.has('draw/cap_exceptions.csv')) {
      texts.push(['draw/cap_exceptions.csv', csvText(CAP_COLUMNS, exceptions.map((e) => [e.visit_id, e.uscc, e.department,
        e.cert_no, e.load, e.cap, e.under_cap]))]);
    }
    for (const [path, text] of texts) {
      if (!folder.has(path)) throw new Problem(`${path} 缺失 is missing: 重算有上限例外 the recomputation has cap exceptions`);
      const difference = firstDifference(path, text, await folder.text(path));
      if (difference) throw new Problem(difference);
    }
    ctx.state = { visits: archived.map((v) => ({ ...v })), largest: Math.max(0, ...archived.map((v) => Number(v.visit.split('-V').pop()))),
      batches: new Map(tickets.selected.map((t) => [`${t.task}\n${t.uscc}`, t.batch])), used: new Set(), replaced: new Map() };
    return ['PASS', `${visits.length} 次检查：每部门 ${rules.per_department} 人，无申报利害关系、` +
      `${rules.cross_unit ? '无本所人员、' : ''}无上次检查人员；${exceptions.length ? `${exceptions.length} 个上限例外均已列明` : '无上限例外'}。` +
      ` ${visits.length} visits: every department sends ${rules.per_department}, no declared conflict,${rules.cross_unit ? ' no one of the home unit,' : ''}` +
      ` none of the previous visit; ${exceptions.length ? `${exceptions.length} cap exception(s), each listed` : 'no cap exception'}; ` +
      'draw/visits.csv, draw/inspector_load.csv recomputed from the inspector tickets, identical'];
  });
}

/** The chain of previous manifests from the quarter's latest manifest, through its records, back to the first. */
async function checkChain(run, manifests, records, quarter) {
  const own = [`${quarter}/manifest.json`, ...records.map((name) => `${quarter}/records/${name}/manifest.json`)];
  const lookup = (path) => {
    for (const archive of run.all) {
      const name = archive === run.self ? quarter : archive.name;
      if (path.startsWith(name + '/') && archive.folder.has(path.slice(name.length + 1))) return [archive.folder, path.slice(name.length + 1)];
    }
    return null;
  };
  let outside = null;
  await run.check('chain', '哈希链（本季度）chain', async () => {
    const met = [own[own.length - 1]];
    let current = lookup(met[0]);
    if (!current) throw new Problem(`${met[0]} 缺失 is missing`);
    for (;;) {
      const manifest = await current[0].json(current[1]);
      const link = manifest.previous;
      if (!link) break;
      if (met.includes(link.path)) throw new Problem(`${met[met.length - 1]} 指向 names ${link.path}: 链成环 the chain loops`);
      const target = lookup(link.path);
      if (!target && link.path.startsWith(quarter + '/')) {
        throw new Problem(`${link.path} 缺失 is missing: ${met[met.length - 1]} 指向它 names it as the previous manifest; 记录被删除 a record was deleted`);
      }
      if (!target) { outside = link.path; break; }
      const digest = await sha256(await target[0].bytes(target[1]));
      if (digest !== link.sha256) throw new Problem(`${link.path} 的 SHA-256 与 ${met[met.length - 1]} 所记不符 does not have the SHA-256 that ${met[met.length - 1]} recorded: it was changed`);
      met.push(link.path);
      current = target;
    }
    const mine = met.filter((p) => own.includes(p)).reverse();
    if (mine.join() !== own.join() && outside) {
      throw new Unsupported(`链在到达 ${own.filter((p) => !met.includes(p)).join(', ')} 之前离开所选文件夹，经过 ${outside} ` +
        `the chain leaves the chosen folder at ${outside} before it reaches them: choose the whole outputs/ folder`);
    }
    if (mine.join() !== own.join()) {
      const absent = own.filter((p) => !met.includes(p));
      throw new Problem(absent.length ? `链不经过 the chain does not pass through ${absent.join(', ')}: 记录缺失或被替换 a record is missing or was replaced`
        : `链中本季度清单顺序不对 the chain meets the quarter's manifests out of order`);
    }
    return ['PASS', `${met.length - 1} 个链接逐一核对 links checked, through the draw and its ${records.length} record(s)` +
      (outside ? `; it continues to ${outside}` : '; the first manifest of the series')];
  });
  if (outside) {
    run.add('chain before', '哈希链（更早季度）earlier quarters', 'NOT CHECKED', `${outside} 不在所选文件夹中：选择整个 outputs/ 文件夹即可核对更早的季度 ` +
      'is not in the chosen folder: choose the whole outputs/ folder to check the earlier quarters too');
  }
  run.chainOutside = outside;
}

async function checkRecords(run, records, ctx) {
  const { folder } = run;
  if (!records.length) { run.add('records', '追加记录 records', 'PASS', '没有追加记录 no appended records'); return; }
  await run.check('records', '追加记录 records', async () => {
    records.forEach((name, index) => {
      if (!name.startsWith(padded(index + 1) + '-')) throw new Problem(`records/${name} 位于应为 ${padded(index + 1)} 的位置 comes where record ${padded(index + 1)} should be: 有记录缺失 an appended record is missing`);
    });
    if (!ctx.state) throw new Unsupported('抽签检查未能重算，记录无从重算 the draw\'s visits were not recomputed, so the records cannot be');
    for (const name of records) {
      const kind = RECORD_NAME.exec(name)[2];
      const base = `records/${name}/`;
      if (kind === 'results') { await checkResultsRecord(ctx, name); continue; } // 11-results.js
      if (kind !== 'replacement') throw new Problem(`${base}: 未知记录类型 unknown kind of record '${kind}'`);
      const data = await folder.json(base + 'replacement.json');
      const texts = await replacementTexts(ctx, data, name);
      for (const [file, text] of texts) {
        const difference = firstDifference(base + file, text, await folder.text(base + file));
        if (difference) throw new Problem(`${base}: 替补不是同层下一个候补 the replacement is not what the protocol gives: ${difference}`);
      }
      const added = archiveRows(await folder.text(base + 'visits.csv'), VISITS_COLUMNS, base + 'visits.csv');
      ctx.state.visits = ctx.state.visits.filter((v) => v.visit !== data.replaced_visit).concat(added);
      ctx.state.largest = Math.max(ctx.state.largest, ...added.map((v) => Number(v.visit.split('-V').pop())));
      ctx.state.replaced.set(data.replaced_uscc, `records/${name}`);
      for (const t of data.tasks) {
        ctx.state.used.add(`${t.task_id}\n${t.replacement_uscc}`);
        ctx.state.batches.set(`${t.task_id}\n${t.replacement_uscc}`, t.batch);
      }
    }
    const replaced = records.filter((n) => n.endsWith('-replacement')).length;
    const names = records.map((n) => `records/${n}`).join(', ');
    return ['PASS', `${records.length} 条记录由归档及其之前的记录重算，逐字节一致 record(s) recomputed from the archived inputs, ` +
      `each after the ones before it: ${names}` + (replaced ? `；替补 replacements: 同层最低位次的未用候补、批次、检查人员 the ` +
      'lowest-ranked unused reserve of the same stratum, its batch and inspectors' : '') + resultsRecordsPassed(records)];
  });
}

/** A replacement record's replacement.json and visits.csv as the protocol gives them after the records before it. */
async function replacementTexts(ctx, data, name) {
  const { state, tickets, eligible, registers, params, quarter } = ctx;
  const uscc = data.replaced_uscc;
  const reason = strip(data.reason || '');
  const holding = state.visits.filter((v) => v.uscc === uscc);
  if (!holding.length) throw new Problem(`records/${name}: ${uscc} 此前没有检查 has no current visit to replace`);
  const replaced = holding[0];
  const visiting = new Map(state.visits.filter((v) => v !== replaced).map((v) => [v.uscc, v.visit]));
  const entries = [];
  const drawn = [];
  for (const taskId of split(replaced.tasks)) {
    const own = [...tickets.strata.values()].flat().find((t) => t.task === taskId && t.uscc === uscc);
    if (!own) throw new Problem(`records/${name}: ${uscc} 在任务 ${taskId} 中没有签 has no ticket in task ${taskId}`);
    const skipped = [];
    let chosen = null;
    for (const row of tickets.strata.get(`${taskId}\n${own.grade}`)) {
      if (row.selected || state.used.has(`${taskId}\n${row.uscc}`) || row.uscc === uscc) continue;
      if (visiting.has(row.uscc)) skipped.push({ rank: row.rank, uscc: row.uscc, why: `has a visit this quarter already (${visiting.get(row.uscc)})` });
      else if (state.replaced.has(row.uscc)) skipped.push({ rank: row.rank, uscc: row.uscc, why: `was found out of scope this quarter (${state.replaced.get(row.uscc)})` });
      else { chosen = row; break; }
    }
    if (!chosen) throw new Problem(`records/${name}: 层 ${taskId} ${own.grade} 已无候补 has no reserve left`);
    const batch = state.batches.has(`${taskId}\n${uscc}`) ? state.batches.get(`${taskId}\n${uscc}`) : null;
    const items = eligible.find((e) => e.task.id === taskId).itemsFor.get(chosen.uscc);
    drawn.push({ task: taskId, uscc: chosen.uscc, ticket: chosen.ticket, batch, items });
    entries.push({ task_id: taskId, grade: own.grade, replaced_rank: own.rank, replacement_uscc: chosen.uscc,
      replacement_rank: chosen.rank, batch, skipped });
  }
  const visits = planVisits(quarter, drawn, registers, state.largest + 1);
  const loadRows = archiveRows(await ctx.run.folder.text('draw/inspector_load.csv'), LOAD_COLUMNS, 'draw/inspector_load.csv');
  const caps = new Map(loadRows.filter((r) => r.cap !== '').map((r) => [r.department, Number(r.cap)]));
  const missing = visits.filter((v) => v.departments.some((d) => !caps.has(d)));
  for (const [d, cap] of workloadCaps(missing, registers, params.inspection)) if (!caps.has(d)) caps.set(d, cap);
  const loads = new Map();
  for (const v of state.visits) if (v !== replaced) for (const cert of split(v.inspectors)) loads.set(cert, (loads.get(cert) || 0) + 1);
  const exceptions = await assign(ctx.seed, visits, registers, params.inspection, ctx.history, caps, loads);
  const record = { quarter, protocol: ctx.draw.protocol, replaced_uscc: uscc, replaced_visit: replaced.visit, reason, tasks: entries,
    new_visits: visits.map((v) => v.id) };
  if (exceptions.length) record.cap_exceptions = exceptions;
  return [['replacement.json', recordJson(record)], ['visits.csv', csvText(VISITS_COLUMNS, visits.map(visitRow))]];
}

/** The project's own params and registers, where the reviewer chose them, against the archived copies. */
async function compareProject(run, quarter, registerFiles) {
  await run.check('project', '项目文件 project files', async () => {
    const wanted = [`inputs/params/${quarter}.yaml`, `inputs/params/${quarter}.freeze.json`, ...Object.values(registerFiles)];
    const problems = [];
    let same = 0;
    for (const path of wanted) {
      const base = path.split('/').pop();
      const file = run.extra[base];
      if (!file) continue;
      const mine = await sha256(new Uint8Array(await file.arrayBuffer()));
      const archived = await sha256(await run.folder.bytes(path));
      if (mine === archived) same++;
      else problems.push(`${base} 与归档副本 ${path} 不同 differs from the archived copy`);
    }
    if (problems.length) throw new Problem(problems.join('; '));
    if (!same) throw new Unsupported('所选项目文件中没有本季度的参数或名录 none of the chosen files is this quarter\'s params or registers');
    return ['PASS', `${same} 个项目文件与归档副本逐字节一致 project file(s) identical to the archived copies`];
  });
}
