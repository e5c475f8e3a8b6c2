// ---- inputs/history.csv: the visits the chain held before this quarter's draw (kinds.history_before) ----
// From the draw manifest's 'previous' link back to the series' first manifest: each earlier quarter's
// draw/visits.csv with its replacement records applied (in chain order), sorted by quarter. The archives of
// the earlier quarters must be in the chosen folder (the whole outputs/ folder).

/** (year, quarter number) of a quarter's name (history.order_of), or null when it is not one. */
function quarterOrder(name) {
  const match = /^(?:demo-)?(\d{4})Q([1-4])$/.exec(typeof name === 'string' ? name : '');
  return match ? [Number(match[1]), Number(match[2])] : null;
}
const compareOrder = (a, b) => (a[0] - b[0]) || (a[1] - b[1]);

/** The manifests on the chain from ``link`` back to the first, newest first, each with the archive it is in. */
async function earlierManifests(run, link, quarter) {
  const steps = [];
  let path = link.path;
  let from = `${quarter}/manifest.json`;
  for (;;) {
    if (typeof path !== 'string') throw new Problem(`${from}: 'previous' 没有路径 names no path`);
    if (steps.some((step) => step.path === path)) {
      throw new Problem(`${from} 指向 names ${path} as the previous manifest, which comes later in the chain: 链成环 the chain loops`);
    }
    const name = path.split('/')[0];
    const archive = run.all.find((a) => (a === run.self ? quarter : a.name) === name);
    if (!archive) {
      throw new Unsupported(`更早的季度 ${name} 不在所选文件夹中（链经过 ${path}），历史无从重算：请选择整个 outputs/ 文件夹 ` +
        `the earlier quarter ${name} is not in the chosen folder (the chain passes through ${path}), so the history ` +
        'cannot be rebuilt from it: choose the whole outputs/ folder');
    }
    const inside = path.slice(name.length + 1);
    if (!archive.folder.has(inside)) {
      throw new Problem(steps.length ? `${from} 指向 names ${path} as the previous manifest, and it is missing: ` +
        '更早的季度或记录被删除或移动 an earlier quarter or record was deleted or moved'
        : `${path} 缺失 is missing, so the chain cannot start from it`);
    }
    const manifest = await archive.folder.json(inside);
    if (!manifest || typeof manifest.kind !== 'string' || typeof manifest.quarter !== 'string') {
      throw new Problem(`${path} 不是 zhanhe-audit 清单 is not a zhanhe-audit manifest`);
    }
    steps.push({ path, manifest, folder: archive.folder, base: inside.slice(0, -'manifest.json'.length) });
    if (!manifest.previous) return steps;
    from = path;
    path = manifest.previous.path;
  }
}

/** kinds.history_before: every visit of a quarter earlier than ``quarter`` on the chain from ``link``, as rows of history.csv. */
async function historyBefore(run, link, quarter) {
  if (!link) return { rows: [], quarters: [] };
  const own = quarterOrder(quarter);
  const states = new Map();
  for (const step of (await earlierManifests(run, link, quarter)).reverse()) {
    const name = step.manifest.quarter;
    const order = quarterOrder(name);
    if (!order) throw new Problem(`${step.path}: '${name}' 不是季度 is not a quarter; expected e.g. 2026Q1 (or demo-2026Q4 for a demo quarter)`);
    if (compareOrder(order, own) >= 0) continue;
    const shown = `${name}/${step.base}`;
    if (step.manifest.kind === 'draw') {
      states.set(name, archiveRows(await step.folder.text(step.base + 'draw/visits.csv'), VISITS_COLUMNS, shown + 'draw/visits.csv'));
      continue;
    }
    const match = /^records\/([^/]+)\/$/.exec(step.base);
    const record = match && RECORD_NAME.exec(match[1]);
    if (!record) throw new Problem(`${step.path}: ${step.base || name} 不是 NNNN-<kind> 记录 is not named NNNN-<kind>`);
    if (record[2] === 'results') continue; // results change no visit
    if (record[2] !== 'replacement') throw new Problem(`${shown}: 未知记录类型 records of kind '${record[2]}' are unknown`);
    if (!states.has(name)) throw new Problem(`${step.path}: 替补记录在其季度的抽签之前 comes before the draw of ${name} on the chain`);
    const data = await step.folder.json(step.base + 'replacement.json');
    const added = archiveRows(await step.folder.text(step.base + 'visits.csv'), VISITS_COLUMNS, shown + 'visits.csv');
    states.set(name, states.get(name).filter((v) => v.visit !== data.replaced_visit).concat(added));
  }
  // A record appended to a quarter after a later quarter was drawn comes later in the chain than that
  // quarter's visits; in time it belongs to its own quarter (sorted by quarter, as the package does).
  const quarters = [...states.keys()].sort((a, b) => compareOrder(quarterOrder(a), quarterOrder(b)));
  const rows = quarters.flatMap((name) => states.get(name).map((v) => [name, v.visit, v.uscc, joined(split(v.items)),
    joined(split(v.inspectors))]));
  return { rows, quarters };
}

/** inputs/history.csv: empty for the first quarter of a series; otherwise rebuilt from the earlier archives chosen. */
async function checkHistory(run, manifest, quarter) {
  await run.check('history', '历史检查记录 history', async () => {
    const text = await run.folder.text('inputs/history.csv');
    let found;
    try {
      found = await historyBefore(run, manifest.previous, quarter);
    } catch (error) {
      if (error instanceof Problem) {
        throw new Problem(`更早的清单无法读取，历史无从重算 the earlier manifests cannot be read to recompute the history: ${error.message}`);
      }
      throw error;
    }
    const expected = csvText(HISTORY_COLUMNS, found.rows);
    if (!manifest.previous) {
      if (text !== expected) throw new Problem('本系列第一个季度的 inputs/history.csv 应为空 should be empty for the first quarter of the series (no earlier manifest)');
      return ['PASS', '本季度之前链上没有清单，历史为空 no earlier manifest on the chain: the history is empty'];
    }
    const difference = firstDifference('inputs/history.csv', expected, text);
    if (difference) {
      throw new Problem(`inputs/history.csv 与链上本次抽签之前的检查不符 differs from the visits the chain held before the draw: ${difference}`);
    }
    const from = found.quarters.length ? found.quarters.join(', ') : '链上没有更早季度的检查 no earlier quarter on the chain';
    return ['PASS', `inputs/history.csv（${found.rows.length} 次更早的检查）由所选文件夹中链上更早季度的归档重建，逐字节一致 ` +
      `(${found.rows.length} earlier visits) matches the archives before this draw on the chain, rebuilt from ${from}: ` +
      'each draw\'s visits with its replacement records applied, identical byte for byte'];
  });
}
